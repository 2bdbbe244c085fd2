using System.Globalization;
using Supervisor.Plugins.Interop;

namespace Supervisor.Benchmarks;

/// <summary>
/// <c>marshal</c>: the object marshaller's cost per value: .NET values to val_t and back by WIT type, as a
/// call's arguments and result go, with no guest involved. ns per conversion, best of 5 slices.
/// </summary>
public static class MarshalBench
{
    public static int Run(string[] args)
    {
        var seconds = args.Length >= 2 && args[0] == "--seconds" ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        var record = new WitRecord([
            new WitField("id", WitType.U32),
            new WitField("name", WitType.String),
            new WitField("tags", new WitList(WitType.String)),
            new WitField("note", new WitOption(WitType.String)),
            new WitField("outcome", new WitResultType(WitType.U64, WitType.String)),
        ]);
        var recordValue = new Dictionary<string, object?>
        {
            ["id"] = 42u, ["name"] = "walpha", ["tags"] = new List<object?> { "a", "bb", "ccc" }, ["note"] = null,
            ["outcome"] = new Supervisor.Plugins.WitResult(true, 7ul),
        };
        var strings = new WitList(WitType.String);
        var stringsValue = Enumerable.Range(0, 100).Select(i => (object?)$"key-{i}").ToList();
        Console.WriteLine($"marshal: ns per value (write + read + delete), best of 5 slices; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        for (var round = 0; round < 2; round++)
        {
            Console.WriteLine($"| u32 | {HandleBench.Ns(seconds, () => RoundTrip(WitType.U32, 1000u)):0} | record (5 fields) | {HandleBench.Ns(seconds, () => RoundTrip(record, recordValue)):0} | list<string> x100 | {HandleBench.Ns(seconds, () => RoundTrip(strings, stringsValue)):0} |");
        }
        return 0;
    }

    private static object? RoundTrip(WitType type, object? value)
    {
        ComponentVal v = default;
        ManagedValues.FromManaged(ref v, type, value);
        try { return ManagedValues.ToManaged(v, type); }
        finally { ComponentValues.Delete(ref v); }
    }
}
