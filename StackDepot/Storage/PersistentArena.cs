using StackDepot.Testing;

namespace StackDepot.Storage;

/// <summary>
/// Storage for persistent records, each sized to its stack (24 bytes of header plus 8 per frame), carved
/// from pools by bumping an offset. Nothing here is ever freed. A record is named by its word index
/// ("location"): pool index in the high bits, offset in the pool in the low bits. Location 0 is never used,
/// so it stays <see cref="StackHandle.None"/>.
/// </summary>
internal sealed unsafe class PersistentArena
{
    private readonly int _shift;
    private readonly uint _mask;
    private readonly Lock _insertLock;
    private int _current = -1; // pool being carved (lock)
    private int _offset;       // next free word in it (lock)

    public PersistentArena(int poolShift, int maxPools, Lock insertLock)
    {
        _shift = poolShift;
        _mask = (1u << poolShift) - 1;
        _insertLock = insertLock;
        Pools = new PoolTable(1 << poolShift, maxPools, insertLock);
    }

    public PoolTable Pools { get; }

    /// <summary>Bits of a location that give the offset in its pool.</summary>
    public int PoolShift => _shift;

    /// <summary>Records carved (lock).</summary>
    public long Records { get; private set; }

    /// <summary>Words carved into records (lock).</summary>
    public long RecordWords { get; private set; }

    /// <summary>Words left unused at the tail of pools that could not hold the next record (lock).</summary>
    public long WastedWords { get; private set; }

    /// <summary>
    /// Resolves an untrusted location: null unless it names the start of a persistent record. A record start is
    /// recognized by its saturated count and by its header naming itself; pool memory past the carved part is
    /// zero and never matches.
    /// </summary>
    public ulong* TryResolveChecked(uint location, int maxFrames)
    {
        uint pool = location >> _shift;
        uint offset = location & _mask;
        if (location == 0 || pool >= (uint)Pools.Count || offset + RecordHeader.HeaderWords > (uint)Pools.PoolWords)
        {
            return null;
        }

        ulong* record = Pools[(int)pool] + offset;
        long state = Volatile.Read(ref RecordHeader.State(record)); // acquire: pairs with the release of the state in Depot.InitRecordLocked
        if (RecordHeader.CountOf(state) != RecordHeader.Saturated || RecordHeader.Self(record) != location)
        {
            return null;
        }

        int size = RecordHeader.SizeOf(RecordHeader.Key(record));
        if (size < 1 || size > maxFrames || offset + RecordHeader.HeaderWords + (uint)size > (uint)Pools.PoolWords)
        {
            return null;
        }

        return record;
    }

    /// <summary>Carves a record of <paramref name="words"/> words, moving to the next installed pool when the
    /// current one is full. False when a new pool is needed. Caller holds the insert lock.</summary>
    public bool TryCarveLocked(int words, out uint location)
    {
        LockRules.AssertHeld(_insertLock);
        while (true)
        {
            if (_current >= 0 && _offset + words <= Pools.PoolWords)
            {
                location = ((uint)_current << _shift) | (uint)_offset;
                _offset += words;
                Records++;
                RecordWords += words;
                return true;
            }

            if (_current + 1 >= Pools.CountLocked)
            {
                location = 0;
                return false;
            }

            if (_current >= 0)
            {
                WastedWords += Pools.PoolWords - _offset;
            }

            _current++;
            _offset = _current == 0 ? 1 : 0; // location 0 is StackHandle.None
        }
    }
}
