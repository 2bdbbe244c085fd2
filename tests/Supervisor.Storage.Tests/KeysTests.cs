using System.Text;
using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests;

/// <summary>
/// The key rules every backend shares (<see cref="Keys"/>), at their boundaries: the UTF-8 size limit and its
/// shortcut, lone surrogates, the listing order, cursors, page sizes, counters and the compare-and-swap match.
/// </summary>
public sealed class KeysTests
{
    [Theory, Rule("PDP-LIMIT-1")]
    [InlineData(1, 3)]   // 3 bytes of one char: the shortcut (length * 3 <= limit) admits it without counting
    [InlineData(2, 6)]
    [InlineData(4, 12)]
    public void Validate_AKeyOfExactlyTheLimit_IsAccepted(int chars, int limit)
    {
        Keys.Validate(new string('€', chars), limit); // '€' is 3 bytes of UTF-8
        Keys.Validate(new string('a', limit), limit);
    }

    [Theory, Rule("PDP-LIMIT-1")]
    [InlineData(1, 2)]
    [InlineData(2, 5)]
    [InlineData(4, 11)]
    public void Validate_AKeyOneBytePastTheLimit_IsRefusedWithItsSize(int chars, int limit)
    {
        var e = Assert.Throws<StorageException>(() => Keys.Validate(new string('€', chars), limit));
        Assert.Equal(StorageErrorCode.KeyTooLarge, e.Code);
        Assert.Contains($"is {chars * 3} bytes of UTF-8; the limit is {limit}", e.Message);
        Assert.Throws<StorageException>(() => Keys.Validate(new string('a', limit + 1), limit));
    }

    // Built in code: an attribute's string is stored as UTF-8, where a lone surrogate becomes U+FFFD.
    private static readonly string[] LoneSurrogates = ["\ud800", "a\udc00", "\udc00\ud800"];

    [Theory, Rule("PDP-LIMIT-1")]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Validate_AShortKeyWithALoneSurrogate_IsRefusedAsInvalid(int which)
    {
        var key = LoneSurrogates[which];
        var e = Assert.Throws<StorageException>(() => Keys.Validate(key, 256));
        Assert.Equal(StorageErrorCode.InvalidKey, e.Code);
        Assert.Contains("lone surrogate", e.Message);
    }

    [Fact, Rule("PDP-LIMIT-1")]
    public void Validate_AShortKeyWithAPairedSurrogate_IsAcceptedAndCountedAsFourBytes()
    {
        Keys.Validate("😀", 4);
        Assert.Equal(4, Keys.Utf8Length("😀"));
        Assert.Equal(StorageErrorCode.KeyTooLarge, Assert.Throws<StorageException>(() => Keys.Validate("😀", 3)).Code);
    }

    [Fact]
    public void Validate_NullKey_Throws() => Assert.Throws<ArgumentNullException>(() => Keys.Validate(null!, 10));

    public static TheoryData<string, string> OrderedPairs() => new()
    {
        { "a", "b" },
        { "a", "ab" },
        { "", "a" },
        { "\uffff", "😀" },          // U+FFFF sorts before U+1F600 in UTF-8, though its UTF-16 unit is larger
        { "\ue000", "😀" },
        { "\ud7ff", "\ue000" },
        { "😀", "😁" },
        { "\u007f", "\u0080" },
        { "\ue000", "\ud800\udc00" },   // U+10000, the first code point written with a surrogate pair
    };

    [Theory, Rule("PDP-LIST-1")]
    [MemberData(nameof(OrderedPairs))]
    public void Utf8Order_IsTheByteOrderOfTheUtf8Form(string lower, string higher)
    {
        Assert.True(Keys.Utf8Order.Compare(lower, higher) < 0);
        Assert.True(Keys.Utf8Order.Compare(higher, lower) > 0);
        Assert.Equal(0, Keys.Utf8Order.Compare(lower, new string(lower)));
        Assert.True(Encoding.UTF8.GetBytes(lower).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(higher)) < 0);
    }

    [Fact, Rule("PDP-LIST-1")]
    public void Utf8Order_PutsNullFirst()
    {
        Assert.True(Keys.Utf8Order.Compare(null, "") < 0);
        Assert.True(Keys.Utf8Order.Compare("", null) > 0);
        Assert.Equal(0, Keys.Utf8Order.Compare(null, null));
    }

    [Theory, Rule("PDP-LIST-2")]
    [InlineData("")]
    [InlineData("k")]
    [InlineData("ключ/😀")]
    public void CursorAfter_ParsesBackToItsKey(string key) => Assert.Equal(key, Keys.ParseCursor(Keys.CursorAfter(key)));

    [Fact, Rule("PDP-LIST-2")]
    public void ParseCursor_EmptyOrNull_IsTheStart()
    {
        Assert.Null(Keys.ParseCursor([]));
        Assert.Null(Keys.ParseCursor(Keys.CursorAfter("k"), isNull: true));
    }

    [Theory, Rule("PDP-LIST-2")]
    [InlineData(new byte[] { 0, (byte)'k' })]
    [InlineData(new byte[] { 2, (byte)'k' })]
    [InlineData(new byte[] { 1, 0xff })]
    [InlineData(new byte[] { 1, 0xc3 })]
    public void ParseCursor_NotProducedByThisStore_IsRefused(byte[] cursor)
    {
        var e = Assert.Throws<StorageException>(() => Keys.ParseCursor(cursor));
        Assert.Equal(StorageErrorCode.InvalidCursor, e.Code);
        Assert.Equal("list cursor was not produced by this store", e.Message);
    }

    [Theory, Rule("PDP-LIST-1")]
    [InlineData(1)]
    [InlineData(1000)]
    public void ValidatePageSize_AtTheBounds_IsAccepted(int size) => Keys.ValidatePageSize(size);

    [Theory, Rule("PDP-LIST-1")]
    [InlineData(0)]
    [InlineData(1001)]
    [InlineData(-1)]
    public void ValidatePageSize_PastTheBounds_IsRefusedNamingThem(int size)
    {
        var e = Assert.Throws<StorageException>(() => Keys.ValidatePageSize(size));
        Assert.Equal(StorageErrorCode.InvalidArgument, e.Code);
        Assert.Contains($"page size {size} is out of range; it must be between 1 and 1000", e.Message);
    }

    [Theory, Rule("PDP-INCR-1")]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("7", 7L)]
    [InlineData("-7", -7L)]
    [InlineData("0009", 9L)]
    [InlineData("1000000000000000000", 1000000000000000000L)]          // 19 digits
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]                // '-' and 19 digits
    public void ParseCounter_DecimalText_IsItsValue(string text, long value) =>
        Assert.Equal(value, Keys.ParseCounter(Encoding.UTF8.GetBytes(text), "k"));

    [Theory, Rule("PDP-INCR-2")]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("+5")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("5a")]
    [InlineData("/")]   // the byte before '0'
    [InlineData(":")]   // the byte after '9'
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("9223372036854775808")]        // one past the largest
    [InlineData("00000000000000000001")]       // 20 digits, though its value fits
    [InlineData("--1")]
    public void ParseCounter_NotStrictDecimal_IsRefusedNamingTheKey(string text)
    {
        var e = Assert.Throws<StorageException>(() => Keys.ParseCounter(Encoding.UTF8.GetBytes(text), "the-key"));
        Assert.Equal(StorageErrorCode.NotAnInteger, e.Code);
        Assert.Contains("\"the-key\"", e.Message);
    }

    [Theory, Rule("PDP-INCR-1", "PDP-INCR-2")]
    [InlineData(long.MaxValue - 1, 1L, long.MaxValue)]
    [InlineData(long.MinValue + 1, -1L, long.MinValue)]
    [InlineData(long.MaxValue, long.MinValue, -1L)]
    [InlineData(-5L, 3L, -2L)]
    public void AddCounter_UpToTheEdges_Adds(long current, long delta, long sum) =>
        Assert.Equal(sum, Keys.AddCounter(current, delta, "k"));

    [Theory, Rule("PDP-INCR-2")]
    [InlineData(long.MaxValue, 1L)]
    [InlineData(long.MinValue, -1L)]
    [InlineData(1L, long.MaxValue)]
    [InlineData(-2L, long.MinValue + 1)]
    public void AddCounter_PastTheEdges_IsAnOverflowNamingTheKey(long current, long delta)
    {
        var e = Assert.Throws<StorageException>(() => Keys.AddCounter(current, delta, "the-key"));
        Assert.Equal(StorageErrorCode.Overflow, e.Code);
        Assert.Contains($"incrementing key \"the-key\" ({current}) by {delta} overflows", e.Message);
    }

    [Theory, Rule("PDP-INCR-1")]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void FormatCounter_IsDecimalText(long value) =>
        Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8.GetString(Keys.FormatCounter(value)));

    [Fact, Rule("PDP-CAS-1")]
    public void SwapMatches_NullExpectsAbsence_ElseEqualBytes()
    {
        Assert.True(Keys.SwapMatches(null, null));
        Assert.False(Keys.SwapMatches([], null));
        Assert.False(Keys.SwapMatches(null, []));
        Assert.True(Keys.SwapMatches([], []));
        Assert.True(Keys.SwapMatches([1, 2], [1, 2]));
        Assert.False(Keys.SwapMatches([1, 2], [1, 3]));
        Assert.False(Keys.SwapMatches([1], [1, 0]));
    }
}
