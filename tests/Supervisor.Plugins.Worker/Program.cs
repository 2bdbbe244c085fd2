// A child process for the plugin tests: a second process on the same store file.
//   Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> [--caller APP] <service:plugin/iface.fn> [json-arg ...]
// Calls the function once (one operation) with JSON arguments (list<u8> as base64) and prints one line:
//   ok <result as JSON>            (null for a function without a result)
//   error <PluginErrorCode> <message>   exit code 1
using System.Text.Encodings.Web;
using System.Text.Json;
using Supervisor.Plugins;
using Supervisor.Storage;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> [--caller APP] <target> [json-arg ...]");
    return 2;
}

var rest = args[4..];
string? caller = null;
if (rest.Length >= 2 && rest[0] == "--caller")
{
    caller = rest[1];
    rest = rest[2..];
}
if (rest.Length == 0)
{
    Console.Error.WriteLine("no target given");
    return 2;
}

using var supervisor = Supervisor.Plugins.Supervisor.Create(new SupervisorOptions
{
    PluginDirectory = args[0],
    CacheDirectory = args[1],
    Storage = new StorageOptions { Location = args[2] },
    ChainId = args[3],
});
var jsonArgs = rest[1..].Select(a => JsonDocument.Parse(a).RootElement.Clone()).ToList();
try
{
    var result = supervisor.CallJson(CallTarget.Parse(rest[0]), jsonArgs, caller);
    Console.Out.WriteLine("ok " + (result?.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null"));
    return 0;
}
catch (PluginException e)
{
    Console.Out.WriteLine($"error {e.Code} {e.Message.ReplaceLineEndings(" ")}");
    return 1;
}
