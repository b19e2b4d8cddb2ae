using System.Runtime.CompilerServices;

namespace Fluxgate.Redis.Tests;

/// <summary>
/// Watches the test host's thread pool from a thread of its own: when a work item queued to the pool has not started
/// within 2 s, the stall is recorded and, for the first five, every managed thread's stack is written to a file while it
/// lasts (<see cref="ManagedStacks"/>); a timed-out fleet wait lists the stalls. A fleet that hears nothing from a healthy
/// server has so far always been a starved pool, and a stack taken after the wait timed out comes too late to say what
/// starved it.
/// </summary>
internal static class PoolWatchdog
{
    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> s_stalls = new();

    /// <summary>The stalls seen so far in this test host: when, how long the probe had waited, and where the stacks are.</summary>
    public static string Stalls => s_stalls.IsEmpty ? "no pool stall seen" : "pool stalls: " + string.Join("; ", s_stalls);

    private static readonly ManualResetEventSlim s_exiting = new();

    [ModuleInitializer]
    internal static void Start()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => s_exiting.Set();
        var watcher = new Thread(Watch) { IsBackground = true, Name = "pool watchdog" };
        watcher.Start();
    }

    private static void Watch()
    {
        for (var stalls = 0; ; )
        {
            using var started = new ManualResetEventSlim();
            var queuedAt = TimeProvider.System.GetTimestamp();
            ThreadPool.UnsafeQueueUserWorkItem(static s => ((ManualResetEventSlim)s!).Set(), started);
            if (!started.Wait(TimeSpan.FromSeconds(2)))
            {
                var stacks = ++stalls <= 5 ? ManagedStacks.Capture() : "stacks taken for the first five stalls only";
                started.Wait();
                s_stalls.Enqueue($"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} a work item waited {TimeProvider.System.GetElapsedTime(queuedAt).TotalSeconds:0.0} s ({stacks})");
            }

            // The next probe a quarter of a second later, or none when the test host exits. Paced by a wait on this thread, not
            // a timer: a timer's callback needs the pool this watches.
            if (s_exiting.Wait(TimeSpan.FromMilliseconds(250)))
            {
                return;
            }
        }
    }
}
