using System.Diagnostics;
using System.Globalization;
using Supervisor.Plugins.Interop;

namespace Supervisor.Benchmarks;

/// <summary>
/// <c>marshal</c>: the object marshaller's cost per value (issue 13): .NET values to val_t and back by WIT type, as a
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
            Console.WriteLine($"| u32 | {Ns(seconds, () => RoundTrip(WitType.U32, 1000u)):0} | record (5 fields) | {Ns(seconds, () => RoundTrip(record, recordValue)):0} | list<string> x100 | {Ns(seconds, () => RoundTrip(strings, stringsValue)):0} |");
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

    private static double Ns(double seconds, Func<object?> op)
    {
        var best = double.MaxValue;
        for (var slice = 0; slice < 5; slice++)
        {
            var sw = Stopwatch.StartNew();
            long n = 0;
            while (sw.Elapsed.TotalSeconds < seconds / 5)
            {
                for (var i = 0; i < 100; i++) op();
                n += 100;
            }
            best = Math.Min(best, sw.Elapsed.TotalNanoseconds / n);
        }
        return best;
    }
}
