namespace Cualify.Appliance.Core.Contacts;

public static class ContactEvents
{
    public const string Created = "contact.created";
    public const string Updated = "contact.updated";
    public const string OptedOut = "contact.opted_out";
    public const string Deleted = "contact.deleted";
}
