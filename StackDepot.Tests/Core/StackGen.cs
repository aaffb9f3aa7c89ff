namespace StackDepot.Tests.Core;

/// <summary>Deterministic frame-id stacks for tests: addresses that look like code, with shared roots.</summary>
internal static class StackGen
{
    public static ulong[] Stack(int id, int depth)
    {
        var frames = new ulong[depth];
        ulong x = (ulong)id * 0x9E3779B97F4A7C15UL + 0x1234567UL;
        for (int i = 0; i < depth; i++)
        {
            // The outer three frames are shared by all stacks of one depth (a common root); the innermost never is.
            ulong seed = i > 0 && i >= depth - 3 ? (ulong)i : x + (ulong)i;
            seed ^= seed >> 31;
            seed *= 0xBF58476D1CE4E5B9UL;
            seed ^= seed >> 29;
            frames[i] = 0x00007F0000000000UL | (seed & 0x000000FFFFFFFFF0UL);
        }

        return frames;
    }

    public static DepotOptions Small(int maxFrames = 16, long capacity = 64 << 10, int pool = 4096, int table = 16) => new()
    {
        MaxFrames = maxFrames,
        CapacityBytes = capacity,
        PoolBytes = pool,
        TableSize = table,
        Name = "test",
    };
}
