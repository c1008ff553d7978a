namespace Cualify.Appliance.OperatorConsole;

/// <summary>The console's addresses (SPEC §8).</summary>
public static class ConsolePaths
{
    public const string Root = "/console";
    public const string SignIn = "/console/signin";
    public const string Live = "/console/live";
    public const string Playbooks = "/console/playbooks";
    public const string Campaigns = "/console/campaigns";
    public const string Webhooks = "/console/webhooks";
    public const string Sequences = "/console/sequences";
    public const string Contacts = "/console/contacts";
    public const string Connectors = "/console/connectors";
    public const string Assets = "/console/assets";

    /// <summary>Where sign-in, sign-out and the org switcher post.</summary>
    public const string Session = "/console/session";

    /// <summary>A local console address to go back to after an action, or Live when the given one is not one.</summary>
    public static string LocalOrLive(string? returnTo) =>
        returnTo is not null && returnTo.StartsWith(Root + "/", StringComparison.Ordinal) && !returnTo.StartsWith("//", StringComparison.Ordinal)
            && !returnTo.Contains('\\') && Uri.IsWellFormedUriString(returnTo, UriKind.Relative)
            ? returnTo
            : Live;
}
