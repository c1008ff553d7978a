using Cualify.Appliance.Doctor;

namespace Cualify.Appliance.Hosting;

/// <summary>
/// Refuses to work as root in a data folder that belongs to the service user: root would leave files there
/// (log files, the store's -shm, keys) that the service can no longer write, which breaks it on its next start.
/// </summary>
public static class ServiceFolderGuard
{
    /// <exception cref="WrongUserException">Running as root in another user's data folder.</exception>
    public static void Check(string dataDir)
    {
        if (!UnixFiles.Supported || !Directory.Exists(dataDir) || UnixFiles.EffectiveUserId() != 0 || UnixFiles.OwnerOf(dataDir) is not { } owner || owner == 0)
        {
            return;
        }

        var user = UnixFiles.UserName(owner);
        throw new WrongUserException(
            $"{dataDir} belongs to the service user '{user}'; run this as that user, not as root, so every file stays theirs: " +
            $"sudo -u {user} {Environment.ProcessPath} … (the installer's /usr/local/bin/cualify-appliance does this for you)");
    }
}

public sealed class WrongUserException(string message) : Exception(message);
