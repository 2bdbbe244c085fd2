using BenchmarkDotNet.Running;
using Supervisor.Benchmarks;

return args.FirstOrDefault() switch
{
    "compare" => Compare.Run(args[1..]),
    "list-memory" => ListMemory.Run(args[1..]),
    "plugins" => PluginBench.Run(args[1..]),
    "adapter" => AdapterBench.Run(args[1..]),
    "adapter-breakdown" => AdapterBreakdown.Run(args[1..]),
    "cold-start" => ColdStart.Run(args[1..]),
    "sync" => SyncBench.Run(args[1..]),
    "turns" => TurnBench.Run(args[1..]),
    "js-loop" => JsLoopBench.Run(args[1..]),
    "handles" => HandleBench.Run(args[1..]),
    "marshal" => MarshalBench.Run(args[1..]),
    "async" => AsyncBench.Run(args[1..]).GetAwaiter().GetResult(),
    _ => RunBdn(args),
};

static int RunBdn(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(RecordBenchmarks).Assembly).Run(args);
    return 0;
}
