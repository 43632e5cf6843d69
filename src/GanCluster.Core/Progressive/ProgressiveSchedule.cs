using GanCluster.Core.Spec;

namespace GanCluster.Core.Progressive;

/// <summary>
/// The ProGAN training plan as a pure function of the number of images shown (over all ranks):
/// a stabilise phase at the start resolution, then for each doubling a fade-in phase followed by a stabilise
/// phase. Alpha rises linearly over a fade-in. A step that starts at image count n trains with the phase and
/// alpha of n, so every replica (and a resumed run) derives the same phase from the same count.
/// For a dcgan run the schedule is one endless stable phase at model.resolution.
/// </summary>
public sealed class ProgressiveSchedule
{
    readonly Dictionary<int, double> _lr;
    readonly double _lrG;
    readonly double _lrD;

    public ProgressiveSchedule(RunSpec spec)
    {
        _lrG = spec.Optim.LrG;
        _lrD = spec.Optim.LrD;
        var phases = new List<SchedulePhase>();
        if (spec.Model.Arch != ModelArch.Progressive || spec.Progressive is not { } p)
        {
            IsProgressive = false;
            _lr = [];
            phases.Add(new SchedulePhase(0, spec.Model.Resolution, PhaseKind.Stable, 0, long.MaxValue, spec.BatchSize));
        }
        else
        {
            IsProgressive = true;
            _lr = new Dictionary<int, double>(p.Lr);
            long at = 0;
            for (int res = p.StartResolution; res <= spec.Model.Resolution; res *= 2)
            {
                int batch = p.BatchSize.TryGetValue(res, out int b) ? b : spec.BatchSize;
                if (res > p.StartResolution)
                {
                    phases.Add(new SchedulePhase(phases.Count, res, PhaseKind.FadeIn, at, at + p.FadeImages, batch));
                    at += p.FadeImages;
                }
                phases.Add(new SchedulePhase(phases.Count, res, PhaseKind.Stable, at, at + p.StableImages, batch));
                at += p.StableImages;
            }
        }
        Phases = phases;
        TotalImages = phases[^1].EndImages;
    }

    public bool IsProgressive { get; }

    public IReadOnlyList<SchedulePhase> Phases { get; }

    /// <summary>Images after which the schedule is complete (long.MaxValue for a dcgan run).</summary>
    public long TotalImages { get; }

    public int StartResolution => Phases[0].Resolution;

    public int FinalResolution => Phases[^1].Resolution;

    /// <summary>The image counts at which each new resolution starts fading in, with that resolution.</summary>
    public IReadOnlyList<(long Images, int Resolution)> GrowthPoints =>
        Phases.Where(p => p.Kind == PhaseKind.FadeIn).Select(p => (p.StartImages, p.Resolution)).ToList();

    /// <summary>The phase that contains image count <paramref name="images"/> (the last phase once the schedule is done).</summary>
    public SchedulePhase PhaseAt(long images)
    {
        if (images < 0) throw new ArgumentOutOfRangeException(nameof(images));
        int lo = 0, hi = Phases.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (images < Phases[mid].EndImages) hi = mid;
            else lo = mid + 1;
        }
        return Phases[lo];
    }

    /// <summary>Everything a step starting at image count <paramref name="images"/> trains with.</summary>
    public SchedulePoint At(long images)
    {
        var phase = PhaseAt(images);
        double lr = _lr.TryGetValue(phase.Resolution, out double l) ? l : double.NaN;
        return new SchedulePoint(phase, phase.AlphaAt(images),
            double.IsNaN(lr) ? _lrG : lr, double.IsNaN(lr) ? _lrD : lr, images >= TotalImages);
    }

    /// <summary>
    /// Steps from image count <paramref name="images"/> to the end of the schedule with <paramref name="worldSize"/>
    /// ranks (each step shows batch x world images of the phase it starts in). Null for an endless schedule.
    /// </summary>
    public long? StepsToFinish(long images, int worldSize)
    {
        if (!IsProgressive) return null;
        long steps = 0;
        for (var phase = PhaseAt(images); images < TotalImages; phase = PhaseAt(images))
        {
            long global = (long)phase.BatchSize * worldSize;
            long n = (phase.EndImages - images + global - 1) / global;
            steps += n;
            images += n * global;
        }
        return steps;
    }
}
