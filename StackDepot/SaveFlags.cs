namespace StackDepot;

/// <summary>How <see cref="Depot.Save"/> stores a stack.</summary>
[Flags]
public enum SaveFlags
{
    /// <summary>
    /// Persistent: the record is never freed and its handle stays valid for the depot's life.
    /// If the stack is already held as a refcounted record, that record is pinned (made persistent).
    /// </summary>
    None = 0,

    /// <summary>
    /// Take a reference: the record is refcounted and evictable. Pair every such save with one
    /// <see cref="Depot.Put"/>; the last <c>Put</c> frees the record.
    /// </summary>
    Get = 1,
}
