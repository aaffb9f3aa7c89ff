using StackDepot.Reclamation;
using StackDepot.Tests.Concurrency;

namespace StackDepot.Tests.Reclamation;

/// <summary>A dedicated thread that enters a read section of a domain and stays in it until told to leave.</summary>
internal sealed class ReaderThread : IDisposable
{
    private readonly ManualResetEventSlim _inside = new();
    private readonly ManualResetEventSlim _leave = new();
    private readonly Thread _thread;
    private long _announced;

    public ReaderThread(EpochDomain domain)
    {
        _thread = new Thread(() =>
        {
            EpochSlot slot = EpochSlotRegistry.Current;
            using (domain.Enter(slot))
            {
                _announced = Volatile.Read(ref slot.Epoch);
                _inside.Set();
                _leave.Wait(RaceTimeouts.Park);
            }
        }) { IsBackground = true, Name = "reader in a section" };
        _thread.Start();
        Assert.True(_inside.Wait(RaceTimeouts.Step), "the reader never entered its section");
    }

    /// <summary>The epoch the reader announced on entering.</summary>
    public long Announced => Volatile.Read(ref _announced);

    /// <summary>Leaves the section and waits for the thread to end.</summary>
    public void Leave()
    {
        _leave.Set();
        Assert.True(_thread.Join(RaceTimeouts.Step), "the reader did not leave its section");
    }

    public void Dispose() => _leave.Set();
}
