using System.Diagnostics;
using System.Globalization;
using Microsoft.Diagnostics.Runtime;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Names the threads of a target: the managed <c>Thread.Name</c> (found through the runtime's handles to the managed
/// <c>Thread</c> objects, each of which points back at its runtime thread), else the OS name from
/// <c>/proc/PID/task/TID/comm</c> (the runtime names its own threads there: <c>.NET TP Worker</c>,
/// <c>.NET Finalizer</c>...), else <c>thread TID</c>. Names are looked up once per thread, after a walk, while the
/// target runs.
/// </summary>
/// <param name="pid">The live process, or null for a dump (no OS names).</param>
internal sealed class ThreadNames(int? pid)
{
    /// <summary>The least time between two scans of the runtime's handles for new managed names.</summary>
    private static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<int, ThreadInfo> _threads = [];
    private readonly Dictionary<ulong, string> _managedNames = [];
    private readonly HashSet<ulong> _looked = [];
    private long _lastScan;

    /// <summary>The thread's name and kind (a plain entry for a thread never observed).</summary>
    public ThreadInfo Describe(int threadId) =>
        _threads.TryGetValue(threadId, out ThreadInfo? info) ? info : new ThreadInfo(threadId, OsName(threadId) ?? Fallback(threadId), ThreadKind.Other);

    /// <summary>Names the threads of a snapshot not named yet.</summary>
    /// <param name="runtime">The runtime the snapshot was walked in (still usable: its data was not flushed since).</param>
    /// <param name="threads">The threads walked.</param>
    public void Observe(ClrRuntime runtime, IEnumerable<ThreadStack> threads)
    {
        List<ThreadStack>? fresh = null;
        foreach (ThreadStack thread in threads)
        {
            if (!_threads.ContainsKey(thread.ThreadId))
            {
                (fresh ??= []).Add(thread);
            }
        }

        if (fresh is null)
        {
            return;
        }

        if (fresh.Any(t => t.RuntimeThread != 0 && !_looked.Contains(t.RuntimeThread)) &&
            (_lastScan == 0 || Stopwatch.GetElapsedTime(_lastScan) >= RescanInterval))
        {
            ScanManagedNames(runtime);
            _lastScan = Stopwatch.GetTimestamp();
            foreach (ThreadStack thread in fresh)
            {
                _looked.Add(thread.RuntimeThread);
            }
        }

        foreach (ThreadStack thread in fresh)
        {
            if (thread.RuntimeThread != 0 && !_looked.Contains(thread.RuntimeThread))
            {
                continue; // its managed name is looked up at the next scan
            }

            string? osName = OsName(thread.ThreadId);
            string name = thread.RuntimeThread != 0 && _managedNames.TryGetValue(thread.RuntimeThread, out string? managed)
                ? managed
                : osName ?? Fallback(thread.ThreadId);
            ThreadKind kind = thread.Kind;
            if (kind == ThreadKind.Other)
            {
                kind = KindFromOsName(osName);
            }

            if (kind == ThreadKind.Other && pid is { } processId && thread.ThreadId == processId)
            {
                kind = ThreadKind.Main;
            }

            _threads[thread.ThreadId] = new ThreadInfo(thread.ThreadId, name, kind);
        }
    }

    /// <summary>The kind the runtime's OS thread names imply.</summary>
    internal static ThreadKind KindFromOsName(string? name) => name switch
    {
        ".NET TP Worker" => ThreadKind.ThreadPoolWorker,
        ".NET Timer" => ThreadKind.Timer,
        ".NET Finalizer" => ThreadKind.Finalizer,
        _ when name?.StartsWith(".NET BGC", StringComparison.Ordinal) == true || name?.StartsWith(".NET Server GC", StringComparison.Ordinal) == true => ThreadKind.Gc,
        _ => ThreadKind.Other,
    };

    private void ScanManagedNames(ClrRuntime runtime)
    {
        try
        {
            foreach (ClrHandle handle in runtime.EnumerateHandles())
            {
                ClrObject thread = handle.Object;
                if (!thread.IsValid || thread.Type?.Name != "System.Threading.Thread")
                {
                    continue;
                }

                ulong native = (ulong)thread.ReadField<nint>("_DONT_USE_InternalThread");
                if (native == 0)
                {
                    continue;
                }

                ClrObject name = thread.ReadObjectField("_name");
                if (!name.IsNull && name.AsString(maxLength: 256) is { Length: > 0 } text)
                {
                    _managedNames[native] = text;
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or ClrDiagnosticsException)
        {
            // A damaged or moving handle table: keep the OS names.
        }
    }

    private string? OsName(int threadId)
    {
        if (pid is not { } processId)
        {
            return null;
        }

        try
        {
            string name = File.ReadAllText($"/proc/{processId}/task/{threadId}/comm").TrimEnd('\n');
            return name.Length > 0 ? name : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Fallback(int threadId) => "thread " + threadId.ToString(CultureInfo.InvariantCulture);
}
