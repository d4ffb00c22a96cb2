"""A DCGAN on Fashion-MNIST (Radford, Metz and Chintala 2015), Keras 3 on TensorFlow.

Each module owns one thing (importing the package does not import TensorFlow):

- `gan.config`: the frozen-dataclass config (`GANConfig`); `configs/gan/*.toml` files over it.
- `gan.data`: Fashion-MNIST (or a TFDS image set) as arrays and as a `tf.data` pipeline.
- `gan.models`: the generator and discriminator builders.
- `gan.losses`: the adversarial losses `train.loss` chooses (reference, non_saturating, hinge, wgan_gp, lsgan).
- `gan.gan`: `GAN`, the `keras.Model` whose `train_step` updates both networks.
- `gan.callbacks`: sample grids, history, checkpoints and the stop guard, all written atomically.
- `gan.train`: `train(config, run_dir)` and `python -m gan.train`.
- `gan.precision`: what `train.precision = "auto"` (the default) stands for on this machine.
- `gan.distribute`: the `tf.distribute` strategy (`strategy`), `TF_CONFIG`, which worker writes.
- `gan.resume`: `--resume`'s config and checks, `load_checkpoint`.
- `gan.summary`: a run's `summary.json`.
- `gan.sample`: `load_generator`, `generate` and `python -m gan.sample`.
- `gan.classes`: samples of a conditional generator, a row per class; `--label` names.
"""
