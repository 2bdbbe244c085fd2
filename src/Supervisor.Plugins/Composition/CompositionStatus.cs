namespace Supervisor.Plugins.Composition;

/// <summary>What <see cref="ComponentComposer.Compose"/> did.</summary>
internal enum CompositionStatus
{
    /// <summary>The plugin is nested beside its adapters; <see cref="CompositionResult.Bytes"/> is the outer component.</summary>
    Composed,
    /// <summary>The plugin imports nothing an adapter carries; the bytes are unchanged.</summary>
    NothingToAdapt,
    /// <summary>The composer does not recognize the component's shape; the bytes are unchanged (see the reason).</summary>
    Unrecognized,
}
