namespace StackDepot.Cli.Sampling;

/// <summary>How frames are keyed: by method (different addresses in one method merge) or by exact address.</summary>
internal enum GroupBy
{
    /// <summary>Key a frame by its method (MethodDesc); names carry no offset.</summary>
    Method,

    /// <summary>Key a frame by its instruction pointer; names carry the offset in the method.</summary>
    Frame,
}
