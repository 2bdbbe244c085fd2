using System.Text.RegularExpressions;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Specification;

/// <summary>
/// Keeps docs/ and the tests in step: every rule defined in the specification is checked by a
/// test that names it (unless marked planned), and every id a test or the book names exists.
/// </summary>
public sealed partial class SpecificationTests
{
    [GeneratedRegex(@"^\[(PDP-[A-Z0-9]+-\d+)\](\s+\*\*\(planned\)\*\*)?", RegexOptions.Multiline)]
    private static partial Regex Definition();

    [GeneratedRegex(@"\[(PDP-[A-Z0-9]+-\d+)\]")]
    private static partial Regex Reference();

    [GeneratedRegex(@"\bRule\(([^)]*)\)")]
    private static partial Regex RuleAttribute();

    [GeneratedRegex(@"""(PDP-[A-Z0-9]+-\d+)""")]
    private static partial Regex QuotedId();

    private static readonly string Docs = Path.Combine(RepositoryPaths.Root, "docs", "src");

    private static IEnumerable<(string File, Match Match)> Definitions() =>
        Directory.EnumerateFiles(Docs, "*.md", SearchOption.AllDirectories)
            .SelectMany(f => Definition().Matches(File.ReadAllText(f)).Select(m => (f, m)));

    private static Dictionary<string, List<string>> TestReferences()
    {
        var refs = new Dictionary<string, List<string>>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "tests"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")) continue;
            foreach (Match attr in RuleAttribute().Matches(File.ReadAllText(file)))
                foreach (Match id in QuotedId().Matches(attr.Groups[1].Value))
                    (refs.TryGetValue(id.Groups[1].Value, out var l) ? l : refs[id.Groups[1].Value] = new()).Add(Path.GetFileName(file));
        }
        return refs;
    }

    [Fact]
    public void EveryRule_IsDefinedOnce()
    {
        var dupes = Definitions().GroupBy(d => d.Match.Groups[1].Value).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(dupes.Count == 0, $"rules defined more than once: {string.Join(", ", dupes)}");
        Assert.True(Definitions().Count() >= 40, "the specification defines too few rules; is docs/src missing?");
    }

    [Fact]
    public void EveryRule_NotPlanned_HasATest()
    {
        var refs = TestReferences();
        var untested = Definitions()
            .Where(d => !d.Match.Groups[2].Success && !refs.ContainsKey(d.Match.Groups[1].Value))
            .Select(d => $"{d.Match.Groups[1].Value} ({Path.GetFileName(d.File)})").ToList();
        Assert.True(untested.Count == 0, $"rules without a test: {string.Join(", ", untested)}");
    }

    [Fact]
    public void EveryIdNamedByATest_Exists()
    {
        var defined = Definitions().Select(d => d.Match.Groups[1].Value).ToHashSet();
        var unknown = TestReferences().Where(r => !defined.Contains(r.Key)).Select(r => $"{r.Key} (in {string.Join(", ", r.Value.Distinct())})").ToList();
        Assert.True(unknown.Count == 0, $"tests name rules the specification does not define: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void EveryIdNamedByTheBook_Exists()
    {
        var defined = Definitions().Select(d => d.Match.Groups[1].Value).ToHashSet();
        var unknown = Directory.EnumerateFiles(Docs, "*.md", SearchOption.AllDirectories)
            .SelectMany(f => Reference().Matches(File.ReadAllText(f)).Select(m => (f, Id: m.Groups[1].Value)))
            .Where(r => !defined.Contains(r.Id)).Select(r => $"{r.Id} (in {Path.GetFileName(r.f)})").Distinct().ToList();
        Assert.True(unknown.Count == 0, $"the book names undefined rules: {string.Join(", ", unknown)}");
    }
}
