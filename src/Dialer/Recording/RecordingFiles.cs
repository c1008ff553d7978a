namespace Cualify.Appliance.Dialer.Recording;

/// <summary>Where recordings live: <c>&lt;data-dir&gt;/recordings/&lt;org&gt;/&lt;call&gt;.wav</c>, and <c>.wav.partial</c> while the call runs.</summary>
public static class RecordingFiles
{
    public const string Folder = "recordings";
    public const string PartialSuffix = ".partial";

    public static string RelativePath(string orgId, string callId) => Path.Combine(Folder, orgId, callId + ".wav");

    public static string PartialPath(string finalPath) => finalPath + PartialSuffix;
}
