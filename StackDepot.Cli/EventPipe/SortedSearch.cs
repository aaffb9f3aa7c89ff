namespace StackDepot.Cli.EventPipe;

/// <summary>Binary search over lists sorted by a start address.</summary>
internal static class SortedSearch
{
    /// <summary>The index of the last item whose start is at or below <paramref name="key"/>, or -1.</summary>
    /// <param name="items">Items sorted by <paramref name="start"/>, ascending.</param>
    /// <param name="key">The address looked up.</param>
    /// <param name="start">An item's start address.</param>
    public static int LastAtOrBelow<T>(List<T> items, ulong key, Func<T, ulong> start)
    {
        int lo = 0;
        int hi = items.Count - 1;
        int found = -1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (start(items[mid]) <= key)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }
}
