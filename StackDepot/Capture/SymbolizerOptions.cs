namespace StackDepot.Capture;

/// <summary>Options of a <see cref="Symbolizer"/>.</summary>
public sealed class SymbolizerOptions
{
    /// <summary>
    /// Name compiler-generated code after what was written, as exception stack traces do for async methods and
    /// Ben.Demystifier for lambdas: the <c>MoveNext</c> of an async or iterator state machine as its method
    /// (<c>Shop.Checkout.PayAsync(Order)</c> rather than <c>Shop.Checkout.&lt;PayAsync&gt;d__4.MoveNext()</c>), a
    /// lambda as <c>Shop.Checkout.Pay(Order)+lambda</c>, a local function as <c>Shop.Checkout.Pay(Order)+Validate(int)</c>.
    /// Default true; false keeps the compiler's names (in the same style). Frames of collectible methods always use
    /// the name recorded at capture, which is readable.
    /// </summary>
    public bool ReadableNames { get; set; } = true;
}
