using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>
/// A further step of a contact's erasure, run in its transaction before the row goes: a feature that copies a
/// contact's personal data into its own tables registers one to scrub it.
/// </summary>
public interface IContactErasureStep
{
    Task EraseAsync(StoreTransaction tx, Contact contact);
}
