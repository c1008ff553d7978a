namespace Cualify.Appliance.OperatorConsole;

/// <summary>The console's navigation, in the order of SPEC §8; one line per page.</summary>
public static class ConsoleNav
{
    public static readonly IReadOnlyList<(string Label, string Path)> Pages =
    [
        ("Live", ConsolePaths.Live),
        ("Playbooks", ConsolePaths.Playbooks),
        ("Campaigns", ConsolePaths.Campaigns),
        ("Webhooks", ConsolePaths.Webhooks),
    ];
}
