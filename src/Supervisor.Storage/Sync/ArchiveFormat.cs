namespace Supervisor.Storage.Sync;

/// <summary>The archive formats.</summary>
public enum ArchiveFormat
{
    /// <summary>This supervisor's versioned JSON Lines archive (header, records, trailer).</summary>
    JsonLines,
    /// <summary>psibase's browser LocalStorage: one JSON object, keys <c>chain:non-trx|trx:service:bucket:key</c>, values base64.</summary>
    PsibaseLocalStorage,
}
