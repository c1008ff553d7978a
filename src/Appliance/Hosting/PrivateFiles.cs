using System.Runtime.InteropServices;
using System.Security.AccessControl;
using System.Security.Principal;

namespace Cualify.Appliance.Hosting;

/// <summary>
/// Keeps what the appliance writes (the store and its WAL, keys, logs, audio, recordings) readable by its own
/// user only, however it is started. On Unix the process umask becomes 077, so every file is created 600 and
/// every folder 700 whatever the shell's umask; under systemd the unit's <c>UMask=</c> is left as the installer
/// set it. On Windows a data folder the appliance creates gets the installer's ACL: inheritance off, full control
/// for the current user, SYSTEM and Administrators only, which every file below it inherits.
/// </summary>
public static partial class PrivateFiles
{
    private const uint OwnerOnly = 0b000_111_111; // 077: nothing for group or others

    /// <summary>
    /// Makes files this process creates from now on private to its user. The umask belongs to the whole process,
    /// so only the executable's entry point calls this (never a host built inside another process, such as a test's).
    /// </summary>
    public static void Apply()
    {
        if (!OperatingSystem.IsWindows() && Environment.GetEnvironmentVariable("INVOCATION_ID") is null)
        {
            umask(OwnerOnly);
        }
    }

    /// <summary>Creates the data folder private to this user when it does not exist; an existing folder is left as it is.</summary>
    public static void CreateFolder(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            CreateWindowsFolder(path);
            return;
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    private static void CreateWindowsFolder(string path)
    {
        var security = new DirectorySecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        const InheritanceFlags inherit = InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit;
        foreach (var who in new IdentityReference[]
                 {
                     WindowsIdentity.GetCurrent().User!,
                     new SecurityIdentifier(WellKnownSidType.LocalSystemSid, null),
                     new SecurityIdentifier(WellKnownSidType.BuiltinAdministratorsSid, null),
                 })
        {
            security.AddAccessRule(new FileSystemAccessRule(who, FileSystemRights.FullControl, inherit, PropagationFlags.None, AccessControlType.Allow));
        }

        new DirectoryInfo(path).Create(security);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial uint umask(uint mask);
}
