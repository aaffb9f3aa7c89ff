namespace StackDepot.Cli.Blocking;

/// <summary>A thread blocked entering a lock that another thread holds.</summary>
/// <param name="LockKind"><c>Monitor</c> (<c>lock (obj)</c>, <c>Monitor.Enter</c>) or <c>Lock</c> (<c>System.Threading.Lock</c>).</param>
/// <param name="ObjectType">The type of the locked object.</param>
/// <param name="Object">The locked object's address.</param>
/// <param name="OwnerThreadId">The OS thread id of the owner, or 0 when the owner is not a managed thread of the process.</param>
internal readonly record struct LockWait(string LockKind, string ObjectType, ulong Object, int OwnerThreadId);
