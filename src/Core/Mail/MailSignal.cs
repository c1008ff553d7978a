using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Mail;

/// <summary>New mail work (a due step, an admin notice) is in the store; the mailer wakes at once.</summary>
public sealed class MailSignal : WorkSignal;
