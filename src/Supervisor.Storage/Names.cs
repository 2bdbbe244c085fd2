using System.Text;

namespace Supervisor.Storage;

/// <summary>Validation of the name parts of a record's identity.</summary>
public static class Names
{
    /// <summary>The service that keeps records for its callers (one bucket per caller).</summary>
    public const string ClientData = "clientdata";

    /// <summary>Longest bucket name accepted, in characters.</summary>
    public const int MaxBucketNameLength = 128;

    /// <summary>Longest chain id accepted, in characters.</summary>
    public const int MaxChainIdLength = 128;

    /// <summary>True when <paramref name="name"/> follows psibase's account rules.</summary>
    public static bool IsValidService(string? name) => ServiceProblem(name) is null;

    /// <summary>Throws <see cref="StorageException"/> unless <paramref name="name"/> is a valid service name.</summary>
    public static void ValidateService(string? name)
    {
        if (ServiceProblem(name) is { } problem)
            throw new StorageException(StorageErrorCode.InvalidServiceName, $"service name \"{Printable(name)}\" is invalid: {problem}");
    }

    /// <summary>Throws <see cref="StorageException"/> unless <paramref name="name"/> matches <c>^[0-9a-zA-Z_-]+$</c>.</summary>
    public static void ValidateBucket(string? name)
    {
        if (string.IsNullOrEmpty(name))
            throw new StorageException(StorageErrorCode.InvalidBucketName, "bucket name is empty; it must match ^[0-9a-zA-Z_-]+$");
        if (name.Length > MaxBucketNameLength)
            throw new StorageException(StorageErrorCode.InvalidBucketName, $"bucket name is {name.Length} characters; the limit is {MaxBucketNameLength}");
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
                throw new StorageException(StorageErrorCode.InvalidBucketName, $"bucket name \"{Printable(name)}\" is invalid: it must match ^[0-9a-zA-Z_-]+$");
        }
    }

    /// <summary>Throws <see cref="StorageException"/> unless <paramref name="chain"/> is a chain id: 1-128 of letters, digits, <c>_ . -</c>.</summary>
    public static void ValidateChain(string? chain)
    {
        if (string.IsNullOrEmpty(chain))
            throw new StorageException(StorageErrorCode.InvalidChainId, "chain id is empty");
        if (chain.Length > MaxChainIdLength)
            throw new StorageException(StorageErrorCode.InvalidChainId, $"chain id is {chain.Length} characters; the limit is {MaxChainIdLength}");
        foreach (var c in chain)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-' || c == '.'))
                throw new StorageException(StorageErrorCode.InvalidChainId, $"chain id \"{Printable(chain)}\" is invalid: it may hold only letters, digits, '_', '.' and '-'");
        }
    }

    private static string? ServiceProblem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "it is empty";
        if (name.Length > 10) return $"it is {name.Length} characters; the limit is 10";
        foreach (var c in name)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
                return "only a-z, 0-9 and '-' are allowed";
        }
        if (name[0] == '-' || name[^1] == '-') return "it may not start or end with '-'";
        if (name.Contains("--", StringComparison.Ordinal)) return "it may not contain \"--\"";
        if (name.StartsWith("x-", StringComparison.Ordinal)) return "names starting \"x-\" are reserved";
        return null;
    }

    /// <summary>Shortens and escapes a name for an error message.</summary>
    internal static string Printable(string? s)
    {
        if (s is null) return "";
        var sb = new StringBuilder();
        foreach (var c in s.Length > 64 ? s[..64] : s)
        {
            if (char.IsControl(c) || char.IsSurrogate(c)) sb.Append($"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        if (s.Length > 64) sb.Append("...");
        return sb.ToString();
    }
}
