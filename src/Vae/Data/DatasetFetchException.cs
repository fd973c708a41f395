namespace Vae.Data;

/// <summary>
/// A dataset could not be got from any of its sources (not a bad input, but the network or a missing package):
/// the message says what was tried and how to place the files by hand. The CLI exits 1 on it.
/// </summary>
public class DatasetFetchException(string message) : Exception(message);
