using System.Numerics;

namespace StackDepot.Storage;

/// <summary>
/// The sizes a depot derives from its <see cref="DepotOptions"/>: record, pool and table sizes and the handle
/// layout. Pure arithmetic, checked once by <see cref="From"/>; the depot and its arenas only read it.
/// </summary>
internal readonly record struct DepotGeometry
{
    /// <summary>Fewest generation bits a refcounted handle has in any configuration.</summary>
    public const int MinGenerationBits = 10;

    /// <summary>Most refcounted slots of any depot: 31 handle bits minus <see cref="MinGenerationBits"/>.</summary>
    public const int MaxRefcountedSlots = 1 << (31 - MinGenerationBits);

    /// <summary>Largest number of frames a record keeps.</summary>
    public int MaxFrames { get; private init; }

    /// <summary>Upper bound on the bytes of all pools.</summary>
    public long CapacityBytes { get; private init; }

    /// <summary>Words of a record of <see cref="MaxFrames"/> frames (header included): the size of a refcounted slot.</summary>
    public int RecordWords => RecordHeader.HeaderWords + MaxFrames;

    /// <summary>log2 of the words in a persistent pool (a power of two, so a location splits into pool and offset).</summary>
    public int PersistentPoolShift { get; private init; }

    /// <summary>Words in a persistent pool.</summary>
    public int PersistentPoolWords => 1 << PersistentPoolShift;

    /// <summary>Most persistent pools the capacity allows; 0 when a persistent pool that fits the capacity cannot hold
    /// a record of <see cref="MaxFrames"/> frames (persistent saves then take pinned refcounted slots).</summary>
    public int PersistentMaxPools { get; private init; }

    /// <summary>log2 of the slots in a refcounted pool.</summary>
    public int SlotsPerPoolShift { get; private init; }

    /// <summary>Bytes in a refcounted pool.</summary>
    public long RefcountedPoolBytes => (long)RecordWords * sizeof(ulong) << SlotsPerPoolShift;

    /// <summary>Most refcounted pools the capacity allows; at least one.</summary>
    public int RefcountedMaxPools { get; private init; }

    /// <summary>Most refcounted slots (at most <see cref="MaxRefcountedSlots"/>): what a refcounted handle's slot bits
    /// must be able to name.</summary>
    public long MaxSlots => (long)RefcountedMaxPools << SlotsPerPoolShift;

    /// <summary>How a handle's bits split into generation and slot.</summary>
    public HandleLayout Layout { get; private init; }

    /// <summary>Buckets in the hash table (a power of two).</summary>
    public int TableSize { get; private init; }

    /// <summary>Checks <paramref name="options"/> and derives the depot's sizes from them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its documented range; the message says which
    /// and why.</exception>
    public static DepotGeometry From(DepotOptions options)
    {
        if (options.MaxFrames is < 1 or > 65536)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxFrames, "MaxFrames must be in 1..65536.");
        }

        if (options.PoolBytes is < 4096 or > (1 << 30))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PoolBytes, "PoolBytes must be in 4 KiB..1 GiB.");
        }

        if (options.CapacityBytes < options.PoolBytes || options.CapacityBytes > (16L << 30))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.CapacityBytes, "CapacityBytes must be at least PoolBytes and at most 16 GiB.");
        }

        if (options.TableSize < 0 || options.TableSize > (1 << 26) || (options.TableSize != 0 && !BitOperations.IsPow2(options.TableSize)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TableSize, "TableSize must be 0 (automatic) or a power of two up to 2^26.");
        }

        long capacity = options.CapacityBytes;
        int recordWords = RecordHeader.HeaderWords + options.MaxFrames;
        long recordBytes = (long)recordWords * sizeof(ulong);
        if (capacity < recordBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(options), capacity,
                $"CapacityBytes ({capacity}) cannot hold one stack of MaxFrames ({options.MaxFrames}) frames, which takes {recordBytes} bytes; raise CapacityBytes or lower MaxFrames.");
        }

        // Persistent pools: a power of two of words holding at least four of the largest records, shrunk to the
        // largest power of two the capacity holds when that is less. When not even one record fits in such a pool
        // (location 0 stays unused), there are no persistent pools: persistent saves take refcounted slots, pinned.
        int persistentPoolWords = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(options.PoolBytes / sizeof(ulong), 4 * recordWords));
        if ((long)persistentPoolWords * sizeof(ulong) > capacity)
        {
            persistentPoolWords = 1 << BitOperations.Log2((ulong)(capacity / sizeof(ulong)));
        }

        int persistentMaxPools = persistentPoolWords > recordWords
            ? (int)(capacity / ((long)persistentPoolWords * sizeof(ulong)))
            : 0;

        // Refcounted pools: a power of two of fixed-size slots, about PoolBytes each, and no more than the capacity.
        int slotsPerPool = (int)Math.Max(1u, BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (options.PoolBytes / (recordWords * sizeof(ulong))) + 1)) / 2);
        while (slotsPerPool > 1 && recordBytes * slotsPerPool > capacity)
        {
            slotsPerPool /= 2;
        }

        // At most MaxRefcountedSlots slots, so that a refcounted handle keeps at least MinGenerationBits generation
        // bits (a stale handle matches a live one only after 2^10 reuses of its slot); persistent records and bytes
        // are not limited by this.
        slotsPerPool = Math.Min(slotsPerPool, MaxRefcountedSlots);
        long slotPoolBytes = recordBytes * slotsPerPool;
        int refcountedMaxPools = (int)Math.Min(capacity / slotPoolBytes, MaxRefcountedSlots / slotsPerPool);

        int tableSize = options.TableSize != 0
            ? options.TableSize
            : (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((ulong)(capacity / 256)), 1UL << 12, 1UL << 22);

        return new DepotGeometry
        {
            MaxFrames = options.MaxFrames,
            CapacityBytes = capacity,
            PersistentPoolShift = BitOperations.Log2((uint)persistentPoolWords),
            PersistentMaxPools = persistentMaxPools,
            SlotsPerPoolShift = BitOperations.Log2((uint)slotsPerPool),
            RefcountedMaxPools = refcountedMaxPools,
            Layout = new HandleLayout((long)refcountedMaxPools * slotsPerPool),
            TableSize = tableSize,
        };
    }
}
