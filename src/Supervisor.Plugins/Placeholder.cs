namespace Supervisor.Plugins; internal static class Placeholder { }
