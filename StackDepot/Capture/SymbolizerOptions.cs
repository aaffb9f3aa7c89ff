namespace StackDepot.Capture;

/// <summary>Options of a <see cref="Symbolizer"/>.</summary>
public sealed class SymbolizerOptions
{
    /// <summary>
    /// Name the <c>MoveNext</c> frame of a compiler-generated async or iterator state machine after the method that
    /// was written (<c>Shop.Checkout.PayAsync(Order)</c> rather than
    /// <c>Shop.Checkout.&lt;PayAsync&gt;d__4.MoveNext()</c>), as the runtime's own stack traces do. Default true.
    /// Frames of collectible methods always use the name recorded at capture, which resolves state machines.
    /// </summary>
    public bool ResolveStateMachines { get; set; } = true;
}
