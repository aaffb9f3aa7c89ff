using System.Globalization;

namespace StackDepot.Cli.Top;

/// <summary>The <c>top</c> view as plain text, one block per refresh, for a stdout that is not a terminal.</summary>
internal static class TopPlainRenderer
{
    /// <summary>Writes one block.</summary>
    public static void Write(string title, TopView view, TextWriter output)
    {
        output.WriteLine("--- " + TopText.Header(title, view));
        output.WriteLine(" %OWN  %TOTAL       OWN     TOTAL  METHOD");
        foreach (TopMethod method in view.Methods)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{TopText.Share(method.Own, view.Total),5}  {TopText.Share(method.Total, view.Total),6}  {method.Own,8}  {method.Total,8}  {method.Name}"));
        }

        output.WriteLine("STACKS");
        foreach (TopStack stack in view.Stacks)
        {
            output.WriteLine($"{TopText.Share(stack.Samples, view.Total),5}%  {TopText.StackCounts(stack)}: {TopText.StackLine(stack)}");
        }

        foreach (string note in view.Notes)
        {
            output.WriteLine("note: " + note);
        }

        output.WriteLine();
        output.Flush();
    }
}
