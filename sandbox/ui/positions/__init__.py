"""The positions panel: columns declared once (``columns``), how cells are painted
(``delegates``) and explained (``tooltips``), the model that follows the bridge (``model``), the
dialogs that preview a change (``dialogs``), the exchange comparison (``compare``) and the panel
that puts them together (``panel``)."""
