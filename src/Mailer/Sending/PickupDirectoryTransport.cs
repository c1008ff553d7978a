using System.Globalization;
using MimeKit;

namespace Cualify.Appliance.Mailer.Sending;

/// <summary>
/// The fresh-install sender: each message becomes an .eml file in the pickup folder, written under a temporary
/// name and then renamed, so a program collecting the folder never reads half a message.
/// </summary>
public sealed class PickupDirectoryTransport(string directory, TimeProvider time) : IMailTransport
{
    public string Directory { get; } = directory;

    public int Parallelism => 4;

    public async Task SendAsync(MailboxOptions mailbox, MimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture);
            var id = new string((message.MessageId ?? Guid.NewGuid().ToString("N")).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());
            var final = Path.Combine(Directory, $"{stamp}-{id}.eml");
            var temporary = final + ".tmp";
            await using (var file = File.Create(temporary))
            {
                await message.WriteToAsync(file, cancellationToken);
            }

            File.Move(temporary, final, overwrite: true);
        }
        catch (IOException ex)
        {
            throw new MailDeliveryException(MailFailure.Transient, $"could not write to the pickup folder {Directory}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new MailDeliveryException(MailFailure.Transient, $"no permission to write to the pickup folder {Directory}", ex);
        }
    }
}
