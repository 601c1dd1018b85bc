"""The co-production survey on the website: public forms per LA and audience, coordinators'
rounds, published results and the illusion gap. The instrument, the checking of answers and the
statistics live outside Django (:mod:`copro.survey`, :mod:`copro.stats.survey`)."""
