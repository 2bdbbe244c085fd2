using System.Runtime.InteropServices;

namespace Supervisor.Plugins.Calling;

/// <summary>
/// How much native stack the current thread has left. Every plugin is its own Wasmtime store, and each store counts
/// its wasm stack from its own entry, so a chain of plugin calls piles depth x the wasm stack onto one thread: the
/// supervisor checks what is left before each entry instead of letting the process die of a stack overflow.
/// </summary>
internal static unsafe partial class NativeStack
{
    /// <summary>The lowest usable address of this thread's stack (0: unknown), found once per thread.</summary>
    [ThreadStatic]
    private static nuint t_low;

    [ThreadStatic]
    private static bool t_known;

    /// <summary>Bytes left below the caller's frame on this thread's stack; <see cref="long.MaxValue"/> when the platform does not say.</summary>
    public static long Remaining()
    {
        if (!t_known)
        {
            t_low = Low();
            t_known = true;
        }
        if (t_low == 0) return long.MaxValue;
        byte marker = 0;
        var here = (nuint)(&marker);
        return here > t_low ? (long)(here - t_low) : 0;
    }

    private static nuint Low()
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // pthread_attr_t is 56 bytes on x86-64 glibc and 64 on arm64; 256 leaves room for any libc.
                var attr = stackalloc byte[256];
                if (pthread_getattr_np(pthread_self(), attr) != 0) return 0;
                try
                {
                    nuint addr, size;
                    // The guard page is below addr: addr itself is the lowest usable byte.
                    return pthread_attr_getstack(attr, &addr, &size) == 0 ? addr : 0;
                }
                finally
                {
                    pthread_attr_destroy(attr);
                }
            }
            if (OperatingSystem.IsMacOS())
            {
                var self = pthread_self();
                return pthread_get_stackaddr_np(self) - pthread_get_stacksize_np(self);
            }
            if (OperatingSystem.IsWindows())
            {
                nuint low, high;
                GetCurrentThreadStackLimits(&low, &high);
                // The last pages hold the guard region Windows grows the stack into: keep clear of them.
                return low + 64 * 1024;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
        return 0;
    }

    [LibraryImport("libc")]
    private static partial nint pthread_self();

    [LibraryImport("libc")]
    private static partial int pthread_getattr_np(nint thread, byte* attr);

    [LibraryImport("libc")]
    private static partial int pthread_attr_getstack(byte* attr, nuint* addr, nuint* size);

    [LibraryImport("libc")]
    private static partial int pthread_attr_destroy(byte* attr);

    [LibraryImport("libc")]
    private static partial nuint pthread_get_stackaddr_np(nint thread);

    [LibraryImport("libc")]
    private static partial nuint pthread_get_stacksize_np(nint thread);

    [LibraryImport("kernel32")]
    private static partial void GetCurrentThreadStackLimits(nuint* low, nuint* high);
}
