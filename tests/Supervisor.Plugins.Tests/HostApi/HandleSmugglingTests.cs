using Supervisor.Storage;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// A plugin cannot hand its <c>wasi:keyvalue</c> <c>bucket</c> handle to another plugin: <c>wsmuggle</c>
/// (Fixtures/plugins/wsmuggle/plugin.wat) lends a borrow of its bucket to <c>wsink</c>'s <c>peek</c>
/// (Fixtures/plugins/wsink/plugin.wat), whose type names the same imported resource, and the supervisor's
/// forwarder refuses the call.
/// </summary>
public sealed class HandleSmugglingTests : PluginTestBase
{
    private static byte[]? Record(PluginSupervisor s, string service, string bucket, string key)
    {
        using var session = s.Store.OpenSession();
        using var op = session.BeginOperation();
        return op.OpenBucket(s.ChainId, DbMode.NonTransactional, StorageDuration.Persistent, service, bucket).Get(key);
    }

    [Fact, Rule("PDP-KV-9", "PDP-SEC-2")]
    public void BucketHandle_LentToAnotherPlugin_IsRefused_AndThePluginAnswersTheNextCall()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call("wsmuggle:plugin/api.smuggle"));
        Assert.True(e.Code is PluginErrorCode.ImportRefused or PluginErrorCode.Trap, $"unexpected code {e.Code}: {e.Message}");
        Assert.Contains("resource handles cannot be passed between plugins", e.Message);
        Assert.Contains("wsink:plugin/api", e.Message);

        // The handle stayed with wsmuggle: its own record was written before the attempt; wsink holds
        // nothing, and nothing was read or written under wsink's name through the lent handle.
        Assert.Equal(B("top secret"), Record(s, "wsmuggle", "secret", "k"));
        Assert.Null(Record(s, "wsink", "secret", "k"));
        Assert.Equal(0, s.Store.GetUsage("test", "wsink").Items);

        // PDP-OP-3: the refusal trapped that call only; the plugin answers the next one.
        Assert.Equal(1u, s.Call("wsmuggle:plugin/api.ping"));
    }
}
