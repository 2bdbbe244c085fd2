using System.Buffers.Text;
using System.Text;

namespace Supervisor.Storage;

/// <summary>Key rules shared by every backend: UTF-8 size, byte order, cursors, counters, the compare-and-swap match.</summary>
public static class Keys
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private const byte CursorVersion = 1;

    /// <summary>Orders keys by the bytes of their UTF-8 form, which is the order listings return.</summary>
    public static IComparer<string> Utf8Order { get; } = new Utf8Comparer();

    /// <summary>The UTF-8 length of <paramref name="key"/>; throws for lone surrogates.</summary>
    public static int Utf8Length(string key)
    {
        try
        {
            return StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            throw new StorageException(StorageErrorCode.InvalidKey, $"key \"{Names.Printable(key)}\" is not valid Unicode (it holds a lone surrogate)");
        }
    }

    /// <summary>Throws unless <paramref name="key"/> is valid Unicode of at most <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public static void Validate(string key, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(key);
        // Cheap bound first: a UTF-16 string never needs more than 3 UTF-8 bytes per char.
        if (key.Length * 3 <= maxBytes && !HasSurrogate(key)) return;
        var n = Utf8Length(key);
        if (n > maxBytes)
            throw new StorageException(StorageErrorCode.KeyTooLarge, $"key \"{Names.Printable(key)}\" is {n} bytes of UTF-8; the limit is {maxBytes}");
    }

    private static bool HasSurrogate(string s)
    {
        foreach (var c in s)
            if (char.IsSurrogate(c)) return true;
        return false;
    }

    /// <summary>An opaque cursor that resumes a listing after <paramref name="lastKey"/>.</summary>
    public static byte[] CursorAfter(string lastKey)
    {
        var bytes = new byte[1 + Encoding.UTF8.GetByteCount(lastKey)];
        bytes[0] = CursorVersion;
        Encoding.UTF8.GetBytes(lastKey, bytes.AsSpan(1));
        return bytes;
    }

    /// <summary>The key a cursor resumes after, or null for a null or empty cursor (start).</summary>
    public static string? ParseCursor(ReadOnlySpan<byte> cursor, bool isNull = false)
    {
        if (isNull || cursor.IsEmpty) return null;
        if (cursor[0] != CursorVersion)
            throw new StorageException(StorageErrorCode.InvalidCursor, "list cursor was not produced by this store");
        try
        {
            return StrictUtf8.GetString(cursor[1..]);
        }
        catch (DecoderFallbackException)
        {
            throw new StorageException(StorageErrorCode.InvalidCursor, "list cursor was not produced by this store");
        }
    }

    /// <summary>Throws unless 1 &lt;= <paramref name="pageSize"/> &lt;= 1000.</summary>
    public static void ValidatePageSize(int pageSize)
    {
        if (pageSize is < 1 or > MaxPageSize)
            throw new StorageException(StorageErrorCode.InvalidArgument, $"page size {pageSize} is out of range; it must be between 1 and {MaxPageSize}");
    }

    /// <summary>Default keys per listing page.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Most keys per listing page.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Parses a stored counter: decimal text, optional '-', digits only. Absent means 0.</summary>
    public static long ParseCounter(ReadOnlySpan<byte> value, string key)
    {
        if (IsStrictDecimal(value) && Utf8Parser.TryParse(value, out long n, out var used) && used == value.Length)
            return n;
        throw new StorageException(StorageErrorCode.NotAnInteger,
            $"value for key \"{Names.Printable(key)}\" is not a decimal integer, so it cannot be incremented");
    }

    private static bool IsStrictDecimal(ReadOnlySpan<byte> v)
    {
        if (v.IsEmpty) return false;
        var start = v[0] == (byte)'-' ? 1 : 0;
        if (start == v.Length || v.Length - start > 19) return false;
        for (var i = start; i < v.Length; i++)
            if (v[i] is < (byte)'0' or > (byte)'9') return false;
        return true;
    }

    /// <summary>Adds with overflow checking, naming the key on failure.</summary>
    public static long AddCounter(long current, long delta, string key)
    {
        var sum = unchecked(current + delta);
        if (((current ^ sum) & (delta ^ sum)) < 0)
            throw new StorageException(StorageErrorCode.Overflow,
                $"incrementing key \"{Names.Printable(key)}\" ({current}) by {delta} overflows a signed 64-bit integer");
        return sum;
    }

    /// <summary>Whether a record's value (null: absent) is what a compare-and-swap expects (null: the key must be absent).</summary>
    internal static bool SwapMatches(byte[]? current, byte[]? expected) =>
        expected is null ? current is null : current is not null && current.AsSpan().SequenceEqual(expected);

    /// <summary>The decimal text form of a counter.</summary>
    public static byte[] FormatCounter(long value)
    {
        Span<byte> buf = stackalloc byte[24];
        Utf8Formatter.TryFormat(value, buf, out var n);
        return buf[..n].ToArray();
    }

    private sealed class Utf8Comparer : IComparer<string>
    {
        // Ordinal UTF-16 order equals UTF-8 byte order except that surrogates (U+D800-DFFF,
        // i.e. code points above U+FFFF) must sort after U+E000-U+FFFF: fix that one case.
        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            var n = Math.Min(x.Length, y.Length);
            for (var i = 0; i < n; i++)
            {
                var a = x[i];
                var b = y[i];
                if (a == b) continue;
                if (a >= 0xD800 && b >= 0xD800) return Fix(a) - Fix(b);
                return a - b;
            }
            return x.Length - y.Length;
        }

        private static int Fix(char c) => c >= 0xE000 ? c - 0x800 : c + 0x2000;
    }
}
