namespace Cualify.Appliance.Dialer.Speech;

/// <summary>Text could not be spoken: the engine is missing, knows no voice for the language, or failed.</summary>
public sealed class SpeechException(string message) : Exception(message);
