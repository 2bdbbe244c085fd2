using System.Text.Json;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Json;

namespace Supervisor.Plugins.Tests.Interop;

/// <summary>The one WIT type walk under both faces: JSON and Wasmtime's val_t, with no component involved.</summary>
public sealed class WitValueWalkTests
{
    private static readonly WitType Shape = new WitRecord([
        new WitField("id", WitType.U32),
        new WitField("tags", new WitList(WitType.String)),
        new WitField("blob", new WitList(WitType.U8)),
        new WitField("note", new WitOption(WitType.String)),
        new WitField("pair", new WitTuple([WitType.S8, WitType.F64])),
        new WitField("counts", new WitMap(WitType.String, WitType.U64)),
        new WitField("mode", new WitEnum(["fast", "slow"])),
        new WitField("flags", new WitFlags(["a", "b", "c"])),
        new WitField("outcome", new WitResultType(WitType.Char, null)),
        new WitField("shape", new WitVariant([new WitCase("none", null), new WitCase("circle", WitType.F32)])),
    ]);

    private const string ShapeJson =
        """{"id":7,"tags":["x","y"],"blob":"AQID","note":null,"pair":[-3,1.5],"counts":[["k",9]],"mode":"slow","flags":["a","c"],"outcome":{"ok":"é"},"shape":{"tag":"circle","val":2.5}}""";

    [Fact]
    public void JsonThroughValuesAndBack_IsUnchanged()
    {
        var fromJson = WitJson.FromJson(JsonDocument.Parse(ShapeJson).RootElement, Shape, ByteListFormat.Base64);
        ComponentVal value = default;
        try
        {
            ManagedValues.FromManaged(ref value, Shape, fromJson);
            var back = ManagedValues.ToManaged(value, Shape);
            Assert.Equal(ShapeJson, WitJson.Format(WitJson.ToJson(back, Shape, ByteListFormat.Base64)));
        }
        finally
        {
            ComponentValues.Delete(ref value);
        }
    }

    [Fact]
    public void AFailingPart_FreesWhatWasBuiltAndLeavesTheDestinationEmpty()
    {
        var type = new WitList(new WitRecord([new WitField("name", WitType.String), new WitField("size", WitType.U8)]));
        var items = new List<object?>
        {
            new Dictionary<string, object?> { ["name"] = "fine", ["size"] = 1 },
            new Dictionary<string, object?> { ["name"] = "too big", ["size"] = 300 },
        };
        ComponentVal value = default;
        Assert.Throws<OverflowException>(() => ManagedValues.FromManaged(ref value, type, items));
        Assert.Equal(ComponentValKind.Bool, value.Kind);
        Assert.Equal(0, value.Data);
    }

    [Fact]
    public void JsonMismatch_NamesThePath()
    {
        var json = JsonDocument.Parse(ShapeJson.Replace("[-3,1.5]", "[-300,1.5]", StringComparison.Ordinal)).RootElement;
        var e = Assert.Throws<WitJson.MismatchException>(() => WitJson.FromJson(json, Shape, ByteListFormat.Base64));
        Assert.StartsWith("at .pair[0]: expected an integer from -128 to 127", e.Message, StringComparison.Ordinal);
    }
}
