namespace Cualify.Appliance.Dialer.Sip.Messages;

public static class SipMethods
{
    public const string Invite = "INVITE";
    public const string Ack = "ACK";
    public const string Bye = "BYE";
    public const string Cancel = "CANCEL";
    public const string Options = "OPTIONS";
    public const string Register = "REGISTER";
    public const string Refer = "REFER";
    public const string Notify = "NOTIFY";
    public const string Info = "INFO";
    public const string Update = "UPDATE";

    /// <summary>What this user agent accepts, for <c>Allow</c>.</summary>
    public const string Allowed = "INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY, REFER, INFO, UPDATE";
}
