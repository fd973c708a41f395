namespace Vae.Data;

/// <summary>
/// A dataset a model can be trained on: its name (the value of <c>--dataset</c>), the shape of its images, its
/// labels and known factors, and how to obtain it. A new dataset is one class implementing this, registered in
/// <see cref="Datasets"/>.
/// </summary>
public interface IDataset
{
    /// <summary>The value of <c>--dataset</c> and the checkpoint's <c>data.name</c>, e.g. "mnist".</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c> and the start of training.</summary>
    string Description { get; }

    int Width { get; }
    int Height { get; }
    int Channels { get; }

    /// <summary>The names of the class labels (their count is the number of classes).</summary>
    IReadOnlyList<string> LabelNames { get; }

    /// <summary>The generative factors stored with each image (empty for natural images).</summary>
    IReadOnlyList<string> FactorNames { get; }

    /// <summary>The folder used when <c>--data</c> is not given.</summary>
    string DefaultDir { get; }

    /// <summary>True when every file the set needs is in <paramref name="dir"/> (their contents are not checked).</summary>
    bool IsPresent(string dir);

    /// <summary>
    /// Puts the set into <paramref name="dir"/> (download, unpack or generate) and verifies it; files already there
    /// are checked, not replaced. Progress goes to <paramref name="log"/>.
    /// </summary>
    void Fetch(string dir, Action<string>? log);

    /// <summary>Reads both splits from <paramref name="dir"/>; a bad or missing file is an exception naming it.</summary>
    (ImageSet Train, ImageSet Test) Load(string dir);
}
