using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Supervisor.Plugins;

namespace WebDemo;

/// <summary>
/// One <see cref="PluginSession"/> per client, found by the client's cookie: a client's session-duration data lives as
/// long as its session and no other client sees it. Sessions idle past <see cref="ClientSessionOptions.IdleTimeout"/> end;
/// past <see cref="ClientSessionOptions.MaxSessions"/>, the one used longest ago ends, so clients minting cookies cannot
/// grow the server without bound.
/// </summary>
internal sealed class ClientSessions(PluginSupervisor supervisor, IOptions<ClientSessionOptions> options, TimeProvider time) : IDisposable
{
    /// <summary>The cookie naming the client's session.</summary>
    public const string Cookie = "supervisor-client";

    private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly ClientSessionOptions _options = options.Value;

    private sealed class Entry(PluginSession session, DateTimeOffset used)
    {
        public PluginSession Session { get; } = session;

        public DateTimeOffset Used { get; set; } = used;
    }

    /// <summary>The session of the client making <paramref name="http"/>'s request; a client without one (or whose session ended) gets a new one and its cookie.</summary>
    public ClientSession For(HttpContext http)
    {
        var now = time.GetUtcNow();
        lock (_sessions)
        {
            if (http.Request.Cookies[Cookie] is { } id && _sessions.TryGetValue(id, out var known))
            {
                known.Used = now;
                return new ClientSession(id, known.Session);
            }
            EndIdle(now);
            while (_sessions.Count >= _options.MaxSessions) End(_sessions.MinBy(s => s.Value.Used).Key);
            // 128 random bits: a client cannot guess another's session.
            var fresh = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var session = supervisor.OpenSession();
            _sessions.Add(fresh, new Entry(session, now));
            http.Response.Cookies.Append(Cookie, fresh, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                IsEssential = true,
            });
            return new ClientSession(fresh, session);
        }
    }

    /// <summary>Sessions open now.</summary>
    public int Count
    {
        get
        {
            lock (_sessions) return _sessions.Count;
        }
    }

    private void EndIdle(DateTimeOffset now)
    {
        foreach (var (id, entry) in _sessions.ToList())
            if (now - entry.Used > _options.IdleTimeout) End(id);
    }

    private void End(string id)
    {
        if (_sessions.Remove(id, out var entry)) entry.Session.Dispose();
    }

    public void Dispose()
    {
        lock (_sessions)
        {
            foreach (var entry in _sessions.Values) entry.Session.Dispose();
            _sessions.Clear();
        }
    }
}
