using System.Numerics;
using System.Runtime.CompilerServices;

namespace StackDepot.Diagnostics;

/// <summary>
/// One depot's hot counters (saves, hits, truncations, puts), one <see cref="CounterCell"/> per thread: a thread
/// increments its own cell with plain stores (no atomic operation, no shared cache line, no lock) and a snapshot adds
/// the cells up.
/// </summary>
/// <remarks>
/// A cell is found by the thread's index (the index of its epoch slot, unique among live threads) and never moves or
/// goes away: a thread that moves to another depot leaves its counts where they are, a thread that dies leaves them
/// too, and the next thread given the same index goes on counting in the same cell (one writer at a time). So no
/// count is ever handed over, and neither counting nor a snapshot takes a lock.
/// Cells live in chunks that double in size (64, 128, 256... cells); a chunk is installed once and never replaced, so
/// a cell installed in it is never lost to a concurrent growth. The first chunk is allocated up front, so the cell of
/// one of the first 64 threads is two loads away.
/// </remarks>
internal sealed class DepotCounters
{
    private const int FirstChunkBits = 6; // the first chunk holds 64 cells
    private readonly CounterCell?[]?[] _chunks = new CounterCell?[]?[31 - FirstChunkBits];
    private readonly CounterCell?[] _first;

    public DepotCounters() => _first = _chunks[0] = new CounterCell?[1 << FirstChunkBits];

    /// <summary>The cell of the thread with index <paramref name="threadIndex"/>; only that thread writes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CounterCell Of(int threadIndex)
    {
        CounterCell?[] first = _first;
        if ((uint)threadIndex < (uint)first.Length && Volatile.Read(ref first[threadIndex]) is { } cell) // acquire: pairs with the CompareExchange of a cell in Add
        {
            return cell;
        }

        return OfLater(threadIndex);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CounterCell OfLater(int threadIndex)
    {
        uint n = (uint)threadIndex + (1u << FirstChunkBits);
        int chunk = BitOperations.Log2(n) - FirstChunkBits;
        CounterCell?[]? cells = Volatile.Read(ref _chunks[chunk]); // acquire: pairs with the CompareExchange of a chunk in Add
        CounterCell? cell = cells is null ? null : Volatile.Read(ref cells[n - (1u << (chunk + FirstChunkBits))]); // acquire: pairs with the CompareExchange of a cell in Add
        return cell ?? Add(threadIndex);
    }

    /// <summary>Sums of every cell. Plain reads of counters their threads increment: 64-bit reads are atomic on
    /// 64-bit platforms, so a running thread's counts are at worst a count or two behind, and exact once it is
    /// quiet.</summary>
    public (long Saves, long Hits, long Truncated, long Puts) Snapshot()
    {
        long saves = 0, hits = 0, truncated = 0, puts = 0;
        for (int chunk = 0; chunk < _chunks.Length; chunk++)
        {
            CounterCell?[]? cells = Volatile.Read(ref _chunks[chunk]); // acquire: pairs with the CompareExchange of a chunk in Add
            if (cells is null)
            {
                continue; // a chunk is installed by the first thread whose index falls in it, not necessarily in order
            }

            foreach (CounterCell? cell in cells)
            {
                if (cell is not null)
                {
                    saves += cell.Saves;
                    hits += cell.Hits;
                    truncated += cell.Truncated;
                    puts += cell.Puts;
                }
            }
        }

        return (saves, hits, truncated, puts);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CounterCell Add(int threadIndex)
    {
        uint n = (uint)threadIndex + (1u << FirstChunkBits);
        int chunk = BitOperations.Log2(n) - FirstChunkBits;
        CounterCell?[] cells = Volatile.Read(ref _chunks[chunk]) // acquire: pairs with the CompareExchange below
            ?? Interlocked.CompareExchange(ref _chunks[chunk], new CounterCell?[1 << (chunk + FirstChunkBits)], null) // full fence: pairs with the Volatile.Read of a chunk in Of and Snapshot
            ?? Volatile.Read(ref _chunks[chunk])!; // acquire: the chunk our exchange just installed
        ref CounterCell? slot = ref cells[n - (1u << (chunk + FirstChunkBits))];

        // Only the thread with this index creates its cell; the exchange publishes it fully built.
        var cell = new CounterCell();
        return Interlocked.CompareExchange(ref slot, cell, null) ?? cell; // full fence: pairs with the Volatile.Read of a cell in Of
    }
}
