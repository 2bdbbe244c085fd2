namespace Supervisor.Storage; internal static class Placeholder { }
