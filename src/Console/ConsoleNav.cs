namespace Cualify.Appliance.OperatorConsole;

/// <summary>The console's navigation, in the order of SPEC §8; one line per page.</summary>
public static class ConsoleNav
{
    public static readonly IReadOnlyList<(string Label, string Path)> Pages =
    [
        ("Live", ConsolePaths.Live),
        ("Calls", ConsolePaths.Root + "/calls"),
        ("Contacts", ConsolePaths.Contacts),
        ("Playbooks", ConsolePaths.Playbooks),
        ("Sequences", ConsolePaths.Sequences),
        ("Credits", ConsolePaths.Root + "/credits"),
        ("Webhooks", ConsolePaths.Webhooks),
        ("Connectors", ConsolePaths.Connectors),
        ("Campaigns", ConsolePaths.Campaigns),
        ("System", ConsolePaths.Root + "/system"),
    ];
}
