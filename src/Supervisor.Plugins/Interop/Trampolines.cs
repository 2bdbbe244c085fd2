using System.Runtime.InteropServices;
using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>
/// Entry points Wasmtime calls. No exception may unwind into native frames: each one catches everything and
/// reports failures as a wasmtime_error_t (which Wasmtime turns into a trap).
/// </summary>
internal static unsafe class Trampolines
{
    private static readonly byte[] s_fallbackMessage = "host function failed"u8.ToArray().Append((byte)0).ToArray();

    [UnmanagedCallersOnly]
    internal static nint InvokeHostFunction(nint env, nint context, nint funcType, ComponentVal* args, nuint argCount, ComponentVal* results, nuint resultCount)
    {
        try
        {
            var function = (HostFunction)GCHandle.FromIntPtr(env).Target!;
            var call = new HostCall(context, funcType, args, argCount, results, resultCount);
            function(in call);
            return 0;
        }
        catch (Exception e)
        {
            return NewError(e);
        }
    }

    [UnmanagedCallersOnly]
    internal static nint InvokeResourceDestructor(nint env, nint context, uint rep)
    {
        try
        {
            var destructor = (HostResourceDestructor)GCHandle.FromIntPtr(env).Target!;
            destructor(ComponentStore.FromContext(context), rep);
            return 0;
        }
        catch (Exception e)
        {
            return NewError(e);
        }
    }

    /// <summary>A guest's write to an output stream (stderr): kept by its <see cref="OutputTail"/>; never fails the guest.</summary>
    [UnmanagedCallersOnly]
    internal static nint WriteOutput(nint data, byte* bytes, nuint length)
    {
        try
        {
            if (GCHandle.FromIntPtr(data).Target is OutputTail tail) tail.Write(new ReadOnlySpan<byte>(bytes, checked((int)Math.Min(length, int.MaxValue))));
        }
        catch
        {
            // never unwind into Wasmtime
        }
        return (nint)length;
    }

    [UnmanagedCallersOnly]
    internal static void FreeGCHandle(nint data)
    {
        try { GCHandle.FromIntPtr(data).Free(); }
        catch { /* never unwind into Wasmtime */ }
    }

    /// <summary>A wasmtime_error_t with the exception's message (NUL-free UTF-8); never throws.</summary>
    internal static nint NewError(Exception e)
    {
        try
        {
            var message = string.IsNullOrEmpty(e.Message) ? e.GetType().Name : e.Message;
            var bytes = Encoding.UTF8.GetBytes(message.Replace('\0', ' ') + "\0");
            fixed (byte* p = bytes) return Native.wasmtime_error_new(p);
        }
        catch
        {
            fixed (byte* p = s_fallbackMessage) return Native.wasmtime_error_new(p);
        }
    }
}
