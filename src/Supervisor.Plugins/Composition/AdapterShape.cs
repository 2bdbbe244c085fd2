using Supervisor.Plugins.Composition.Binary;

namespace Supervisor.Plugins.Composition;

/// <summary>
/// What the composer needs of an adapter component (the project's own, so a shape other than this is a bug,
/// not a plugin's fault): an optional leading import of its resource type, then its host interface's instance
/// type (whose first declaration, for a resource adapter, is the outer alias of that resource) and import.
/// </summary>
internal sealed class AdapterShape
{
    public string? ResourceImport { get; private init; }
    public required string HostImport { get; init; }
    private byte[] _hostTypeTail = [];
    private uint _declarations;
    private bool _aliasesResource;

    public static AdapterShape Read(AdapterSpec spec)
    {
        var bytes = spec.Component;
        var sections = WasmReader.Sections(bytes, "the adapter");
        var next = 0;
        string? resourceImport = null;
        if (spec.Resource is not null)
        {
            if (sections.Count < 1 || sections[0].Id != SectionId.Import) throw Bad(spec, "begin with the import of its resource type");
            var r = new WasmReader(bytes, sections[0].Start, sections[0].End);
            if (r.U32() != 1) throw Bad(spec, "import its resource type alone in the first import section");
            (_, resourceImport) = r.ExternName();
            if (r.Byte() != Sort.Type || r.Byte() != TypeBound.SubResource) throw Bad(spec, "import its resource type as (sub resource)");
            next = 1;
        }
        if (sections.Count < next + 2 || sections[next].Id != SectionId.Type || sections[next + 1].Id != SectionId.Import)
            throw Bad(spec, "declare its host interface's type and import it");
        var t = new WasmReader(bytes, sections[next].Start, sections[next].End);
        if (t.U32() != 1 || t.Byte() != TypeForm.Instance) throw Bad(spec, "declare its host interface as one instance type");
        var declarations = t.U32();
        if (spec.Resource is not null)
        {
            // alias outer 1 <resource> (type): the resource is the adapter's type 0
            if (t.Byte() != DeclarationKind.Alias || t.Byte() != Sort.Type || t.Byte() != AliasTarget.Outer || t.U32() != 1 || t.U32() != 0)
                throw Bad(spec, "begin its host interface type with the outer alias of its resource");
        }
        var hostTypeTail = bytes[t.Pos..sections[next].End];
        var i = new WasmReader(bytes, sections[next + 1].Start, sections[next + 1].End);
        if (i.U32() != 1) throw Bad(spec, "import its host interface alone");
        var (_, name) = i.ExternName();
        if (i.Byte() != Sort.Instance || !name.StartsWith(ComponentComposer.AdapterInterfacePrefix, StringComparison.Ordinal))
            throw Bad(spec, $"import one {ComponentComposer.AdapterInterfacePrefix}* interface");
        return new AdapterShape
        {
            ResourceImport = resourceImport,
            HostImport = name,
            _hostTypeTail = hostTypeTail,
            _declarations = declarations,
            _aliasesResource = spec.Resource is not null,
        };
    }

    /// <summary>Writes the host interface's instance type for the outer component, its resource alias pointing at <paramref name="resourceType"/>.</summary>
    public void WriteHostType(WasmWriter w, uint resourceType)
    {
        w.Byte(TypeForm.Instance);
        w.U32(_declarations);
        if (_aliasesResource)
        {
            w.Byte(DeclarationKind.Alias);
            w.Byte(Sort.Type);
            w.Byte(AliasTarget.Outer);
            w.U32(1);
            w.U32(resourceType);
        }
        w.Bytes(_hostTypeTail);
    }

    private static InvalidOperationException Bad(AdapterSpec spec, string what) =>
        new($"the byte adapter for {spec.Interface} must {what}");
}
