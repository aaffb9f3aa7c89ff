using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace StackDepot.Cli.Tests.Target;

/// <summary>
/// The ground truth of the async tests (argument <c>async</c>): suspended async methods that sit on no thread, threads
/// blocked synchronously on tasks, a <see cref="Monitor"/> and a <see cref="Lock"/>, each with an owner and a waiter. The counts are constants
/// the tests compare with; everything is released by <see cref="Release"/>.
/// </summary>
internal sealed class AsyncScenario
{
    /// <summary>Requests awaiting <see cref="CustomsChain.Inspectors"/> (a <see cref="SemaphoreSlim"/>) through three async methods.</summary>
    public const int SemaphoreRequests = 40;

    /// <summary>Requests awaiting <see cref="Task.Delay(TimeSpan, CancellationToken)"/> through two async methods.</summary>
    public const int DelayRequests = 20;

    /// <summary>Threads blocked in <c>GetAwaiter().GetResult()</c> on <see cref="ManifestChain.LoadAsync"/>.</summary>
    public const int SyncOverAsyncThreads = 5;

    /// <summary>Batches awaiting <see cref="Task.WhenAll(Task[])"/> of two reads of one shared TaskCompletionSource.</summary>
    public const int WhenAllBatches = 3;

    /// <summary>Socket reads pending on a loopback connection (a ValueTask over an IValueTaskSource).</summary>
    public const int SocketReads = 2;

    /// <summary>Work items queued to a thread pool whose every worker (as many as processors, its maximum) is blocked
    /// (the socket engine's own item then queues behind them).</summary>
    public const int QueuedWorkItems = 25;

    private static readonly ManualResetEventSlim Starve = new();

    private readonly List<Task> _requests = [];
    private readonly List<Thread> _threads = [];
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<Socket> _sockets = [];
    private readonly int _scale;
    private object[]? _ballast;

    private AsyncScenario(int scale) => _scale = scale;

    /// <summary>The threads that must be blocked before the target says READY.</summary>
    public IReadOnlyList<Thread> Threads => _threads;

    /// <summary>Starts every pending operation; returns when all of them are suspended at their first await.</summary>
    /// <param name="scale">Multiplies the semaphore, delay and WhenAll requests (1 for the counts above), to measure
    /// the walk with thousands of pending tasks.</param>
    /// <param name="ballast">Small objects kept alive beside them, to measure the walk on a larger heap.</param>
    public static AsyncScenario Start(int scale = 1, int ballast = 0)
    {
        var scenario = new AsyncScenario(scale);
        scenario._ballast = new object[ballast];
        for (int i = 0; i < ballast; i++)
        {
            scenario._ballast[i] = new byte[16];
        }

        scenario.StartAll();
        return scenario;
    }

    private void StartAll()
    {
        // Each async method runs synchronously up to its first incomplete await, so these are all pending on return.
        for (int i = 0; i < SemaphoreRequests * _scale; i++)
        {
            _requests.Add(CustomsChain.ClearAsync(i, _cancel.Token));
        }

        for (int i = 0; i < DelayRequests * _scale; i++)
        {
            _requests.Add(TideChain.SailAsync(_cancel.Token));
        }

        for (int i = 0; i < WhenAllBatches * _scale; i++)
        {
            _requests.Add(AuditChain.ReconcileAsync(i));
        }

        StarveThePool();
        StartSocketReads();
        AwaitSocketEngineItem();

        for (int i = 0; i < SyncOverAsyncThreads; i++)
        {
            _threads.Add(Program.Start(ManifestChain.LoadBlocking, $"manifest-{i}"));
        }

        _threads.Add(Program.Start(ManifestChain.LoadResult, "manifest-result"));
        _threads.Add(Program.Start(ManifestChain.LoadWait, "manifest-wait"));

        // The clerk must find the ledger taken: start it only once the owner holds the lock.
        _threads.Add(Program.Start(Ledger.Hold, "ledger-owner"));
        Ledger.Held.Wait();
        _threads.Add(Program.Start(Ledger.Post, "ledger-clerk"));

        // The same with a System.Threading.Lock, whose owner is a field of the lock, not a sync block.
        _threads.Add(Program.Start(Vault.Hold, "vault-owner"));
        Vault.Held.Wait();
        _threads.Add(Program.Start(Vault.Open, "vault-clerk"));
    }

    /// <summary>
    /// Caps the pool at one worker per processor, blocks every worker in a work item, then queues
    /// <see cref="QueuedWorkItems"/> more: all workers run and that many items wait in the pool's global queue.
    /// </summary>
    private static void StarveThePool()
    {
        int workers = Environment.ProcessorCount;
        ThreadPool.GetMaxThreads(out _, out int io);
        if (!ThreadPool.SetMinThreads(workers, io) || !ThreadPool.SetMaxThreads(workers, io))
        {
            throw new InvalidOperationException("cannot cap the thread pool at " + workers);
        }

        using var started = new CountdownEvent(workers);
        for (int i = 0; i < workers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                started.Signal();
                Starve.Wait();
            }, null);
        }

        started.Wait();
        for (int i = 0; i < QueuedWorkItems; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => { }, null);
        }
    }

    /// <summary>
    /// The sockets' first events (writable on registration) reach the pool as one work item of the runtime's socket
    /// engine, which queues behind ours: wait for it, so that the queue holds exactly
    /// <see cref="QueuedWorkItems"/> + 1 items while the tests look.
    /// </summary>
    private static void AwaitSocketEngineItem()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ThreadPool.PendingWorkItemCount != QueuedWorkItems + 1)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10) || ThreadPool.PendingWorkItemCount > QueuedWorkItems + 1)
            {
                throw new InvalidOperationException($"{ThreadPool.PendingWorkItemCount} work items queued, not {QueuedWorkItems} and the socket engine's");
            }

            Thread.Sleep(1);
        }
    }

    private void StartSocketReads()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        for (int i = 0; i < SocketReads; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect((IPEndPoint)listener.LocalEndpoint);
            Socket server = listener.AcceptSocket();
            _sockets.Add(client);
            _sockets.Add(server);
            _requests.Add(WireChain.ReadFrameAsync(server));
        }
    }

    /// <summary>Completes every pending operation and waits for the threads; the process can then exit.</summary>
    public void Release()
    {
        Starve.Set(); // first: the continuations below need pool workers
        CustomsChain.Inspectors.Release(SemaphoreRequests * _scale);
        GC.KeepAlive(_ballast);
        _cancel.Cancel();
        AuditChain.LedgerReady.TrySetResult(1);
        ManifestChain.Manifest.TrySetResult(7);
        Ledger.Release.Set();
        Vault.Release.Set();
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        try
        {
            Task.WaitAll([.. _requests], TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Canceled delays and closed sockets end their requests with exceptions; only completion matters here.
        }
    }
}

/// <summary>Three async methods down to a <see cref="SemaphoreSlim"/> that never has a free slot.</summary>
internal static class CustomsChain
{
    public static readonly SemaphoreSlim Inspectors = new(0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<int> ClearAsync(int id, CancellationToken cancel)
    {
        int fee = await InspectAsync(id, cancel).ConfigureAwait(false);
        return fee + 1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<int> InspectAsync(int id, CancellationToken cancel)
    {
        // Completes at once (no suspension), so the suspended await below is the method's second: state 1.
        await Task.CompletedTask.ConfigureAwait(false);
        await WaitForInspectorAsync(cancel).ConfigureAwait(false);
        return id;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task WaitForInspectorAsync(CancellationToken cancel) =>
        await Inspectors.WaitAsync(cancel).ConfigureAwait(false);
}

/// <summary>Two async methods down to a long <see cref="Task.Delay(TimeSpan, CancellationToken)"/>.</summary>
internal static class TideChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task SailAsync(CancellationToken cancel)
    {
        try
        {
            await WaitForTideAsync(cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task WaitForTideAsync(CancellationToken cancel) =>
        await Task.Delay(TimeSpan.FromHours(1), cancel).ConfigureAwait(false);
}

/// <summary>Batches that await <see cref="Task.WhenAll(Task[])"/> of two async reads, all waiting on one
/// TaskCompletionSource: one leaf with many continuations (fan-out) and promises with two predecessors (fan-in).</summary>
internal static class AuditChain
{
    public static readonly TaskCompletionSource<int> LedgerReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task ReconcileAsync(int id)
    {
        int[] pages = await Task.WhenAll(ReadLedgerAsync(id), ReadLedgerAsync(id + 100)).ConfigureAwait(false);
        GC.KeepAlive(pages);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<int> ReadLedgerAsync(int page) => await LedgerReady.Task.ConfigureAwait(false) + page;
}

/// <summary>A socket read that never gets data: a ValueTask backed by the socket's reusable event args.</summary>
internal static class WireChain
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task ReadFrameAsync(Socket socket)
    {
        var buffer = new byte[16];
        try
        {
            await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}

/// <summary>Sync-over-async: threads block on a task whose async chain awaits a TaskCompletionSource.</summary>
internal static class ManifestChain
{
    public static readonly TaskCompletionSource<int> Manifest = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LoadBlocking() => GC.KeepAlive(LoadAsync().GetAwaiter().GetResult());

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LoadResult() => GC.KeepAlive(LoadAsync().Result);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LoadWait() => LoadAsync().Wait();

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<int> LoadAsync() => await FetchAsync().ConfigureAwait(false) * 2;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<int> FetchAsync() => await Manifest.Task.ConfigureAwait(false);
}

/// <summary>One thread holds the ledger's lock (and waits for the release event); the clerk waits to enter it.</summary>
internal static class Ledger
{
    public static readonly ManualResetEventSlim Held = new();
    public static readonly ManualResetEventSlim Release = new();
    private static readonly object Books = new();

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Hold()
    {
        lock (Books)
        {
            Held.Set();
            Release.Wait();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Post()
    {
        lock (Books)
        {
            GC.KeepAlive(Books);
        }
    }
}

/// <summary>One thread holds the vault's <see cref="Lock"/> (and waits for the release event); the clerk waits to enter it.</summary>
internal static class Vault
{
    public static readonly ManualResetEventSlim Held = new();
    public static readonly ManualResetEventSlim Release = new();
    private static readonly Lock Door = new();

    /// <summary>How often the vault was opened (written only under <see cref="Door"/>).</summary>
    public static int Opened { get; private set; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Hold()
    {
        lock (Door)
        {
            Held.Set();
            Release.Wait();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Open()
    {
        lock (Door)
        {
            Opened++;
        }
    }
}
