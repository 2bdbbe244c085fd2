using Supervisor.Plugins;

namespace WebDemo;

/// <summary>
/// The session of the client making the current request (scoped: one per request). Not disposable on purpose: the
/// session outlives the request, and <see cref="ClientSessions"/> ends it.
/// </summary>
/// <param name="Id">The client's session id (its cookie).</param>
/// <param name="Session">Its plugin session.</param>
internal sealed record ClientSession(string Id, PluginSession Session);
