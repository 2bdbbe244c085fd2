namespace Supervisor.Plugins.Composition;

/// <summary>
/// Composes an unmodified plugin component with byte adapters at load time, by nesting
/// (<see cref="NestedComposition"/>) or, for a wit-component plugin, by splicing (<see cref="ClientDataSplice"/>).
/// Only what those need is parsed; anything unexpected gives <see cref="CompositionStatus.Unrecognized"/> (or no
/// splice) with the reason, never an exception: Wasmtime validates whatever is composed.
/// </summary>
internal static class ComponentComposer
{
    /// <summary>Bumped whenever the composer's output changes for the same inputs.</summary>
    public const string Version = "3";

    /// <summary>The interface names reserved for the adapters' host side.</summary>
    public const string AdapterInterfacePrefix = "supervisor:adapter/";

    /// <summary>Composes <paramref name="plugin"/> with the adapters of <paramref name="adapters"/> whose interface it imports.</summary>
    public static CompositionResult Compose(byte[] plugin, IReadOnlyList<AdapterSpec> adapters)
    {
        try
        {
            return NestedComposition.Compose(plugin, adapters);
        }
        catch (FormatException e)
        {
            return CompositionResult.Unrecognized(plugin, e.Message);
        }
    }

    /// <summary>The plugin spliced with the clientdata adapter, or null (and why) when its layout is not wit-component's.</summary>
    public static CompositionResult? TrySplice(byte[] plugin, AdapterSpec clientData, byte[] spliceModule, byte[] memoryModule, out string? reason)
    {
        try
        {
            return ClientDataSplice.Splice(plugin, clientData, spliceModule, memoryModule, out reason);
        }
        catch (FormatException e)
        {
            reason = e.Message;
            return null;
        }
    }
}
