"""One module per reproduction target, each defining ``TARGET`` (``reproduction.base.Target``);
``reproduction.registry.TARGETS`` lists them in report order."""
