using System.Collections.Concurrent;

namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>
/// The one thread that makes every ptrace request of a sampling run (the kernel ties a tracee to the thread that
/// seized it, not to the process). Between requests it releases the threads left seized by an earlier request (a
/// thread that had not stopped by its deadline cannot be detached until it stops). When this thread ends, the kernel
/// detaches whatever it still traces and the target runs again: that also covers a crash or kill of the whole CLI.
/// </summary>
internal sealed class TracerThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;
    private readonly HashSet<int> _pending = [];

    public TracerThread()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "stackdepot tracer" };
        _thread.Start();
    }

    /// <summary>Threads seized and not yet released; only read or changed on the tracer thread.</summary>
    public IReadOnlySet<int> Pending => _pending;

    /// <summary>Runs <paramref name="action"/> on the tracer thread and returns its result (or rethrows its exception).</summary>
    public T Invoke<T>(Func<TracerThread, T> action)
    {
        if (Environment.CurrentManagedThreadId == _thread.ManagedThreadId)
        {
            return action(this);
        }

        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(action(this));
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Remembers a seized thread that did not stop in time; it is detached as soon as it stops.</summary>
    public void AddPending(int tid) => _pending.Add(tid);

    /// <summary>Test switch: pending threads are not released (only the end of the thread releases them).</summary>
    internal bool KeepPending { get; set; }

    /// <summary>Detaches the pending threads that have stopped and forgets those that are gone.</summary>
    public void ReleasePending()
    {
        if (_pending.Count == 0 || KeepPending)
        {
            return;
        }

        foreach (int tid in _pending.ToArray())
        {
            switch (LinuxTrace.Poll(tid, out int signal))
            {
                case TraceeState.Stopped:
                    LinuxTrace.Detach(tid, signal);
                    _pending.Remove(tid);
                    break;
                case TraceeState.Gone:
                    _pending.Remove(tid);
                    break;
            }
        }
    }

    /// <summary>Ends the thread, which releases every thread it still traces.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        if (Environment.CurrentManagedThreadId != _thread.ManagedThreadId)
        {
            _thread.Join();
        }

        _work.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            Action? action;
            try
            {
                // Poll the pending threads every millisecond while there are any; otherwise wait for work.
                if (!_work.TryTake(out action, _pending.Count > 0 ? 1 : Timeout.Infinite))
                {
                    if (_work.IsCompleted)
                    {
                        return;
                    }

                    ReleasePending();
                    continue;
                }
            }
            catch (InvalidOperationException)
            {
                return; // completed while waiting
            }

            action();
            ReleasePending();
        }
    }
}
