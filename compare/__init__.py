"""Measure the GAN and style transfer with honest metrics and write side-by-side reports.

Each module owns one thing:

- `compare.evaluator`: the Fashion-MNIST classifier whose features and softmax feed the GAN metrics,
  named by a key that hashes its data, code and hyper-parameters (`python -m compare.evaluator`);
  `compare.evaluator_net` builds and trains its network, `compare.evaluator_cache` keeps it (the
  cache folder, and the default evaluator shipped in `compare/evaluators/`).
- `compare.reference_cache`: the GAN metrics' run-independent parts (the test set's features, the
  real-data row and collapse references), computed once per evaluator and settings and kept.
- `compare.fid`, `compare.kid`, `compare.precision_recall`, `compare.classifier_score`: the GAN
  metrics on feature arrays (NumPy/SciPy only, deterministic given a seed).
- `compare.inception`: the standard Inception-v3 FID, when its ImageNet weights are on disk.
- `compare.gan_metrics`: all GAN metrics of one run (and the real-data floor) in one record;
  `compare.collapse`: the FIDs of perfect generators of only k classes (the collapse references).
- `compare.metrics`: the CLI `python -m compare.metrics RUN_DIR` writing `metrics.json`;
  `compare.metric_table`: the rows of its table and of the report's, built once.
- `compare.assess`: the GAN's verdict from the numbers (degenerate, collapsed, not learned yet or
  learned), from the checks and measured thresholds of `compare.gan_checks`; `compare.nst_assess`:
  how far the style distance fell, in words that do not overstate it. A report's words follow them.
- `compare.nst_metrics`: style and content distances of any stylized image
  (`python -m compare.nst_metrics`).
- The report, one job per module: `compare.options` (`ReportOptions`, loaded like every config),
  `compare.quick` (the demo's quick runs), `compare.runs` (reading run folders),
  `compare.gan_section` and `compare.nst_section` (measuring each half and drawing its figures),
  `compare.sweeps` (the opt-in style transfer sweeps), `compare.figures` (legible figures),
  `compare.formatting` (numbers), `compare.explain` (every sentence, chosen from the numbers),
  `compare.document` (HTML/Markdown), and `compare.report`, the CLI `python -m compare.report`
  that assembles the page.

Importing the package imports no TensorFlow.
"""
